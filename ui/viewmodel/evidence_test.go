package viewmodel

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type fakeEvidence struct {
	out     Outcome
	err     error
	block   chan struct{} // when set, Verify waits for it or for cancellation
	closed  atomic.Bool
	reports []Progress
}

func (f *fakeEvidence) Describe() []Field { return []Field{{"Format", "e01"}} }
func (f *fakeEvidence) Close() error      { f.closed.Store(true); return nil }
func (f *fakeEvidence) Verify(ctx context.Context, progress func(Progress)) (Outcome, error) {
	for _, p := range f.reports {
		progress(p)
	}
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		}
	}
	return f.out, f.err
}

func opener(ev Evidence, err error) Opener {
	return func(context.Context, []string) (Evidence, error) { return ev, err }
}

func verify(t *testing.T, vm *EvidenceVM) error {
	t.Helper()
	done, err := vm.StartVerify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("verification did not finish")
	}
	return nil
}

func TestVerifyOutcomes(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name       string
		out        Outcome
		err        error
		wantKind   BannerKind
		wantBanner string
	}{
		{"match", Outcome{MD5: "m", SHA1: "s", SHA256: "x", StoredMatch: &yes}, nil, BannerOK, "VERIFIED"},
		{"mismatch", Outcome{StoredMatch: &no}, nil, BannerFail, "HASH MISMATCH"},
		{"nothing stored", Outcome{}, nil, BannerInfo, "stores no acquisition hash"},
		{"bad chunk", Outcome{StoredMatch: &yes, Errors: []string{"sectors 64-127: inflate error"}}, nil, BannerFail, "sectors 64-127"},
		{"read error", Outcome{}, errors.New("gpt.E02: segment truncated"), BannerFail, "gpt.E02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var changes atomic.Int32
			vm := NewEvidenceVM(opener(&fakeEvidence{out: tc.out, err: tc.err,
				reports: []Progress{{Done: 50, Total: 100, Rate: 1 << 20, ETA: time.Second}}}, nil), func() { changes.Add(1) })
			if err := vm.Open(context.Background(), []string{"x.E01"}); err != nil {
				t.Fatal(err)
			}
			_ = verify(t, vm)
			s := vm.Snapshot()
			if s.Kind != tc.wantKind || !strings.Contains(s.Banner, tc.wantBanner) {
				t.Errorf("banner = (%v, %q), want (%v, containing %q)", s.Kind, s.Banner, tc.wantKind, tc.wantBanner)
			}
			if s.Busy {
				t.Error("still busy after the pass")
			}
			if changes.Load() < 3 {
				t.Errorf("only %d change notifications", changes.Load())
			}
		})
	}
}

func TestProgressAndComputedHashes(t *testing.T) {
	yes := true
	ev := &fakeEvidence{out: Outcome{MD5: "aa", SHA1: "bb", SHA256: "cc", StoredMatch: &yes}, block: make(chan struct{}),
		reports: []Progress{{Done: 1 << 20, Total: 4 << 20, Rate: 2 << 20, ETA: 1500 * time.Millisecond}}}
	vm := NewEvidenceVM(opener(ev, nil), nil)
	_ = vm.Open(context.Background(), nil)
	done, err := vm.StartVerify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.StartVerify(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("second StartVerify = %v, want ErrBusy", err)
	}
	// The progress report is delivered before Verify blocks.
	deadline := time.Now().Add(5 * time.Second)
	for vm.Snapshot().Fraction != 0.25 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s := vm.Snapshot()
	if s.Fraction != 0.25 || s.Status != "Verifying: 1.0 MiB of 4.0 MiB at 2.0 MiB/s, about 2s left" {
		t.Errorf("progress = %v %q", s.Fraction, s.Status)
	}
	close(ev.block)
	<-done
	got := vm.Snapshot().Fields
	want := []Field{{"Format", "e01"}, {"Computed MD5", "aa"}, {"Computed SHA-1", "bb"}, {"Computed SHA-256", "cc"}}
	if len(got) != len(want) {
		t.Fatalf("fields = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestCancelLeavesImageUnverified(t *testing.T) {
	ev := &fakeEvidence{block: make(chan struct{})}
	vm := NewEvidenceVM(opener(ev, nil), nil)
	_ = vm.Open(context.Background(), nil)
	done, _ := vm.StartVerify(context.Background())
	vm.Cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if s := vm.Snapshot(); s.Kind != BannerInfo || !strings.Contains(s.Banner, "NOT verified") {
		t.Errorf("banner after cancel = %q", s.Banner)
	}
}

func TestOpenErrorAndReplace(t *testing.T) {
	vm := NewEvidenceVM(opener(nil, errors.New("not a recognised evidence image")), nil)
	if err := vm.Open(context.Background(), []string{"x"}); err == nil {
		t.Fatal("want error")
	}
	if s := vm.Snapshot(); s.Kind != BannerFail || s.HasImage {
		t.Errorf("after failed open: %+v", s)
	}
	if _, err := vm.StartVerify(context.Background()); err == nil {
		t.Error("verify without evidence succeeded")
	}
	first := &fakeEvidence{}
	vm = NewEvidenceVM(func(context.Context, []string) (Evidence, error) { return first, nil }, nil)
	_ = vm.Open(context.Background(), nil)
	vm.open = opener(&fakeEvidence{}, nil)
	_ = vm.Open(context.Background(), nil)
	if !first.closed.Load() {
		t.Error("replaced evidence was not closed")
	}
}
