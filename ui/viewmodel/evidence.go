// Package viewmodel holds the desktop app's view logic as plain Go: no Fyne
// import, so it is tested without a window. Views bind to it and redraw on
// its change callback (through fyne.Do, since long work runs off the UI
// goroutine).
package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
)

// Field is one label/value row of the evidence description.
type Field struct{ Label, Value string }

// Progress of a verification pass.
type Progress struct {
	Done, Total int64
	Rate        float64 // bytes per second
	ETA         time.Duration
}

// Outcome of a verification pass.
type Outcome struct {
	MD5, SHA1, SHA256 string
	StoredMatch       *bool    // nil: the container stores no hashes
	Errors            []string // unreadable regions, by sector range
}

// Evidence is an opened evidence container as the view needs it.
type Evidence interface {
	Describe() []Field
	Verify(ctx context.Context, progress func(Progress)) (Outcome, error)
	Close() error
}

// Opener opens evidence from the files the examiner chose.
type Opener func(ctx context.Context, paths []string) (Evidence, error)

// BannerKind says how a result banner must look.
type BannerKind int

const (
	BannerNone BannerKind = iota
	BannerOK
	BannerFail
	BannerInfo
)

// EvidenceVM is the state of the evidence window.
type EvidenceVM struct {
	open     Opener
	onChange func()

	mu       sync.Mutex
	ev       Evidence
	fields   []Field
	fraction float64
	status   string
	banner   string
	kind     BannerKind
	busy     bool
	cancel   context.CancelFunc
}

// NewEvidenceVM returns a view-model; onChange is called (from any goroutine)
// after every state change.
func NewEvidenceVM(open Opener, onChange func()) *EvidenceVM {
	if onChange == nil {
		onChange = func() {}
	}
	return &EvidenceVM{open: open, onChange: onChange, status: "No evidence open."}
}

// Snapshot is a consistent copy of the state for drawing.
type Snapshot struct {
	Fields   []Field
	Fraction float64
	Status   string
	Banner   string
	Kind     BannerKind
	Busy     bool
	HasImage bool
}

func (vm *EvidenceVM) Snapshot() Snapshot {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return Snapshot{Fields: append([]Field(nil), vm.fields...), Fraction: vm.fraction, Status: vm.status,
		Banner: vm.banner, Kind: vm.kind, Busy: vm.busy, HasImage: vm.ev != nil}
}

// Open replaces the current evidence with the given files.
func (vm *EvidenceVM) Open(ctx context.Context, paths []string) error {
	ev, err := vm.open(ctx, paths)
	vm.mu.Lock()
	if err != nil {
		vm.banner, vm.kind = "Cannot open evidence: "+err.Error(), BannerFail
		vm.mu.Unlock()
		vm.onChange()
		return err
	}
	if vm.ev != nil {
		_ = vm.ev.Close()
	}
	vm.ev, vm.fields = ev, ev.Describe()
	vm.fraction, vm.banner, vm.kind = 0, "", BannerNone
	vm.status = "Opened read-only. Verify before examining."
	vm.mu.Unlock()
	vm.onChange()
	return nil
}

// ErrBusy is returned when a verification is already running.
var ErrBusy = errors.New("a verification is already running")

// StartVerify runs the verification in the background; the returned channel
// receives its result once.
func (vm *EvidenceVM) StartVerify(parent context.Context) (<-chan error, error) {
	vm.mu.Lock()
	if vm.ev == nil {
		vm.mu.Unlock()
		return nil, errors.New("no evidence open")
	}
	if vm.busy {
		vm.mu.Unlock()
		return nil, ErrBusy
	}
	ctx, cancel := context.WithCancel(parent)
	vm.busy, vm.cancel, vm.fraction = true, cancel, 0
	vm.banner, vm.kind, vm.status = "", BannerNone, "Verifying…"
	ev := vm.ev
	vm.mu.Unlock()
	vm.onChange()

	done := make(chan error, 1)
	go func() {
		defer cancel()
		out, err := ev.Verify(ctx, vm.progress)
		vm.finish(out, err)
		done <- err
	}()
	return done, nil
}

// Cancel stops a running verification.
func (vm *EvidenceVM) Cancel() {
	vm.mu.Lock()
	c := vm.cancel
	vm.mu.Unlock()
	if c != nil {
		c()
	}
}

func (vm *EvidenceVM) progress(p Progress) {
	vm.mu.Lock()
	if p.Total > 0 {
		vm.fraction = float64(p.Done) / float64(p.Total)
	}
	vm.status = fmt.Sprintf("Verifying: %s of %s at %s/s, about %s left",
		humanize.IBytes(uint64(max(p.Done, 0))), humanize.IBytes(uint64(max(p.Total, 0))),
		humanize.IBytes(uint64(max(p.Rate, 0))), p.ETA.Round(time.Second))
	vm.mu.Unlock()
	vm.onChange()
}

func (vm *EvidenceVM) finish(out Outcome, err error) {
	vm.mu.Lock()
	vm.busy, vm.cancel = false, nil
	switch {
	case errors.Is(err, context.Canceled):
		vm.status, vm.banner, vm.kind = "Verification cancelled.", "Verification was cancelled: the image is NOT verified.", BannerInfo
	case err != nil:
		vm.status, vm.banner, vm.kind = "Verification failed.", "Verification failed: "+err.Error(), BannerFail
	default:
		vm.fraction = 1
		vm.status = "Verification complete."
		vm.fields = append(vm.fields, Field{"Computed MD5", out.MD5}, Field{"Computed SHA-1", out.SHA1}, Field{"Computed SHA-256", out.SHA256})
		switch {
		case len(out.Errors) > 0:
			vm.banner, vm.kind = fmt.Sprintf("UNREADABLE REGIONS: %d (%s)", len(out.Errors), out.Errors[0]), BannerFail
		case out.StoredMatch == nil:
			vm.banner, vm.kind = "Hashes computed. The container stores no acquisition hash to compare with.", BannerInfo
		case *out.StoredMatch:
			vm.banner, vm.kind = "VERIFIED: the computed hashes match those stored at acquisition.", BannerOK
		default:
			vm.banner, vm.kind = "HASH MISMATCH: the media does not match the hashes stored at acquisition.", BannerFail
		}
	}
	vm.mu.Unlock()
	vm.onChange()
}
