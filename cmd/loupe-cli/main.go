// Command loupe-cli is Loupe's headless front end. It must build and run
// without X or OpenGL: it never imports Fyne.
//
// Exit codes are a public contract: 0 ok, 1 verification failed or tampering
// found, 2 bad usage or unreadable input (with a one-line reason on stderr).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Version is Loupe's version, recorded with every parser run and report.
const Version = "0.1.0"

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// env is what a command needs from the process, so tests can run commands in-process.
type env struct {
	stdout, stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

// commands is the explicit command table. Each file adds its commands here.
func commands() map[string]command {
	return map[string]command{
		"version": {"print the version", func(_ context.Context, e env, _ []string) int {
			fmt.Fprintln(e.stdout, "loupe-cli", Version)
			return exitOK
		}},
		"image": {"evidence containers: info, verify, cat", runImage},
		"ls":    {"list every file-system entry of an image as JSON lines", runLs},
		"cat":   {"write a file's content (by path or inode, optional stream)", runCat},
		"stat":  {"all metadata of one entry as JSON (times, runs, provenance)", runStat},
		"sweep": {"sweep an image for identifiers (coins, onions, keys, PGP, e-mail, URLs) as JSON lines", runSweep},

		"examine":   {"examine images or folders into a record: verify, volumes, file systems, parsers", runExamine},
		"reproduce": {"re-run a record's parsers on the evidence and diff the artefacts (exit 1 on a difference)", runReproduce},

		"verify":    {"verify a record's audit chain, rows and signatures (and re-hash the evidence)", runVerify},
		"artefacts": {"list a record's artefacts as JSON lines", runArtefacts},
		"note":      {"add a contemporaneous note to a record", runNote},
		"tag":       {"tag an artefact (CPIA: relevant, undermines, assists, sensitive)", runTag},
		"untag":     {"withdraw a tag with a reason (a correcting entry; nothing is deleted)", runUntag},
		"log":       {"print a record's audit chain", runLog},
		"report":    {"render a report (exhibit, technical, ...) from a record into one file and log it in the record", runReport},

		"wallet-password": {"try passwords found in the investigation against an encrypted wallet in a record (each attempt audited)", runWalletPassword},
		"chat-secret":     {"try examiner-obtained secrets against a locked chat store in a record (each attempt audited); record what it opens as a new run", runChatSecret},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "loupe-cli: unknown command %q (try loupe-cli help)\n", args[0])
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: loupe-cli COMMAND [options]")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// fail prints a one-line reason and returns the exit code.
func fail(e env, code int, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "loupe-cli: "+format+"\n", a...)
	return code
}
