package artefacts

import (
	"context"
	"fmt"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Correlator is a Parser that reads no file of its own: it sees every
// artefact the other parsers of the same run produce and, once every file
// is done, writes artefacts that link them (a secret key to its public key
// and to the places its fingerprint or e-mail appears elsewhere on the
// exhibit). It sits in the registry like any parser, so its name and
// version are recorded with the run and reproduce re-runs it; its Match
// must return false.
type Correlator interface {
	Parser
	// Correlation returns fresh state for one run.
	Correlation() Correlation
}

// Correlation is one run's state of a Correlator. Observe is called once
// per artefact, never concurrently, in no particular order (files are
// parsed in parallel): Finish must write its output in an order that does
// not depend on the order of Observe calls, so that reruns are identical.
// Implementations keep only what they need, with a bound.
type Correlation interface {
	Observe(a finding.Artefact)
	Finish(ctx context.Context, out finding.Sink) error
}

// Correlators returns the registry's correlators in registration order.
func (r *Registry) Correlators() []Correlator {
	var out []Correlator
	for _, p := range r.parsers {
		if c, ok := p.(Correlator); ok {
			out = append(out, c)
		}
	}
	return out
}

// FinishCorrelation calls c.Finish with panic isolation, as Run does for
// parsers: a panic becomes a warning without provenance beyond the parser.
func FinishCorrelation(ctx context.Context, p Parser, c Correlation, out finding.Sink) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = nil
			_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Message: fmt.Sprintf("correlator panic: %v", r)})
		}
	}()
	return c.Finish(ctx, out)
}

// ObserveSafely calls c.Observe with panic isolation; a panicking
// correlator sees no more artefacts (reported by the caller at Finish).
func ObserveSafely(c Correlation, a finding.Artefact) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	c.Observe(a)
	return true
}
