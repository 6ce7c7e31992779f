// Command ext4walk walks an ext4 volume with Loupe's reader and prints the
// number of entries: the Loupe side of testdata/bench/ext4-bench.sh, a
// process of its own as fls is, so that start-up, Open and Walk are all
// measured.
//
//	go build -o ext4walk ./testdata/bench/ext4walk && ./ext4walk IMAGE
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ext4"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ext4walk IMAGE")
		os.Exit(2)
	}
	fh, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ext4walk:", err)
		os.Exit(2)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ext4walk:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	f, err := ext4.Open(ctx, fh, st.Size(), 0, source.Image(st.Name()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ext4walk:", err)
		os.Exit(2)
	}
	named, orphans := 0, 0
	err = f.Walk(ctx, func(e *filesystem.Entry) error {
		if e.Orphan {
			orphans++
		} else {
			named++
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ext4walk:", err)
		os.Exit(2)
	}
	fmt.Printf("names %d orphans %d warnings %d\n", named, orphans, len(f.Warnings()))
}
