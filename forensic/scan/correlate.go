package scan

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// correlations holds one run's correlator states. Workers write artefacts
// concurrently; observe serialises them, since a Correlation is not safe
// for concurrent use.
type correlations struct {
	mu      sync.Mutex
	parsers []artefacts.Parser
	states  []artefacts.Correlation
	broken  []bool // a panic in Observe: no more artefacts, a warning at Finish
}

func newCorrelations(r *artefacts.Registry) *correlations {
	cs := r.Correlators()
	if len(cs) == 0 {
		return nil
	}
	k := &correlations{}
	for _, c := range cs {
		k.parsers = append(k.parsers, c)
		k.states = append(k.states, c.Correlation())
		k.broken = append(k.broken, false)
	}
	return k
}

func (k *correlations) observe(a finding.Artefact) {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, st := range k.states {
		if !k.broken[i] && !artefacts.ObserveSafely(st, a) {
			k.broken[i] = true
		}
	}
}

// finishCorrelations lets each correlator write its links into the run,
// after every file is done. Their own artefacts are not observed again.
func (s *Scanner) finishCorrelations(ctx context.Context, run Run, c *counters, k *correlations) error {
	if k == nil {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sink := &countingSink{Sink: run, c: c, cancel: cancel}
	for i, st := range k.states {
		p := k.parsers[i]
		if k.broken[i] {
			_ = sink.Warn(ctx, finding.Warning{Parser: p.Name(), Message: "correlator panicked while observing artefacts; its links are missing"})
			continue
		}
		s.progressf("correlating: %s", p.Name())
		err := artefacts.FinishCorrelation(ctx, p, st, sink)
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			_ = sink.Warn(ctx, finding.Warning{Parser: p.Name(), Message: fmt.Sprintf("correlation failed: %v", err)})
		}
	}
	return nil
}
