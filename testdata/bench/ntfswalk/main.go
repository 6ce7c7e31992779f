// Command ntfswalk walks an NTFS volume with Loupe's reader, decoding every
// entry as `loupe-cli ls` does (all times, sizes, streams), and prints how
// many entries it saw: the Loupe side of testdata/bench/ntfs-bench.sh, a
// process of its own as fls is, so start-up, Open and Walk are all measured.
//
//	go build -o ntfswalk ./testdata/bench/ntfswalk && ./ntfswalk [-cpuprofile FILE] IMAGE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ntfs"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ntfswalk [-cpuprofile FILE] IMAGE")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ntfswalk:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(os.Stderr, "ntfswalk:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	fh, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ntfswalk:", err)
		os.Exit(2)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ntfswalk:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	f, err := ntfs.Open(ctx, fh, st.Size(), 0, source.Image(st.Name()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ntfswalk:", err)
		os.Exit(2)
	}
	// user counts entries outside the metadata files (names not starting
	// with "$"), the part of the listing that fls prints the same way.
	all, user := 0, 0
	err = f.Walk(ctx, func(e *filesystem.Entry) error {
		all++
		if e.Path != "/" && !strings.HasPrefix(e.Path, "/$") {
			user++
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ntfswalk:", err)
		os.Exit(2)
	}
	fmt.Printf("user %d all %d warnings %d\n", user, all, len(f.Warnings()))
}
