package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/imaging"
)

// DefaultZone is the display zone a new case starts with.
const DefaultZone = "Europe/London"

// ActionEvidenceVerify is the audit action of a verification made in the
// new-examination wizard (before the examination's own hash pass).
const ActionEvidenceVerify = "evidence.verify"

// WizardImage is one evidence image added in the wizard, as imaging.Open
// detected it.
type WizardImage struct {
	Paths    []string // every segment, in order
	Format   string
	Size     int64
	Stored   imaging.Digests
	Metadata imaging.Metadata
}

// Describe is the image's line in the wizard's list.
func (w WizardImage) Describe() string {
	s := fmt.Sprintf("%s — %s, %s", filepath.Base(w.Paths[0]), strings.ToUpper(w.Format), humanize.IBytes(uint64(max(w.Size, 0))))
	if len(w.Paths) > 1 {
		s += fmt.Sprintf(", %d segments", len(w.Paths))
	}
	if w.Stored.MD5 != "" || w.Stored.SHA1 != "" {
		s += ", acquisition hash stored"
	}
	return s
}

// Examiner runs the examination of the given images into an open record,
// sending progress lines; the app wires it to the forensic/scan pipeline.
type Examiner func(ctx context.Context, rec *record.Record, images [][]string, progress func(line string)) (*scan.Summary, error)

// WizardDetails is what the first page asks for.
type WizardDetails struct {
	Case, Exhibit, ExaminerName, ExaminerRole, Instructions, Zone, RecordPath string
}

// Validate says what is missing, in the order of the form.
func (d WizardDetails) Validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"case reference", d.Case}, {"exhibit reference", d.Exhibit},
		{"examiner name", d.ExaminerName}, {"record file", d.RecordPath}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing: %s", strings.Join(missing, ", "))
	}
	if _, err := time.LoadLocation(orDefault(d.Zone, DefaultZone)); err != nil {
		return fmt.Errorf("display zone %q: %w", d.Zone, err)
	}
	return nil
}

func orDefault(a, b string) string {
	if strings.TrimSpace(a) == "" {
		return b
	}
	return strings.TrimSpace(a)
}

// WizardVM is the new-examination wizard: details → record created →
// images added (format detected) → verified (the outcome is recorded, a
// mismatch unmistakably) → examined. Long work runs off the caller's
// goroutine; onChange is called after every state change.
type WizardVM struct {
	// Evidence verifies the added images (progress, MB/s, ETA, cancel, banner).
	Evidence *EvidenceVM

	examine  Examiner
	keyDir   string
	onChange func()

	mu        sync.Mutex
	details   WizardDetails
	images    []WizardImage
	rec       *record.Record
	outcome   *Outcome
	examining bool
	status    string
	summary   *scan.Summary
	err       error
	cancel    context.CancelFunc
}

// NewWizardVM returns a wizard; keyDir is the examiner key folder ("" for
// the default).
func NewWizardVM(examine Examiner, keyDir string, onChange func()) *WizardVM {
	if onChange == nil {
		onChange = func() {}
	}
	vm := &WizardVM{examine: examine, keyDir: keyDir, onChange: onChange}
	vm.Evidence = NewEvidenceVM(vm.openImages, onChange)
	return vm
}

// AddImage opens a file read-only and detects its format (all segments of
// a multi-segment container are found from the first).
func (vm *WizardVM) AddImage(ctx context.Context, path string) (WizardImage, error) {
	img, err := imaging.Open(ctx, path)
	if err != nil {
		return WizardImage{}, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	defer img.Close()
	wi := WizardImage{Paths: img.Segments(), Format: img.Format(), Size: img.Size(), Stored: img.Stored(), Metadata: img.Metadata()}
	if len(wi.Paths) == 0 {
		wi.Paths = []string{path}
	}
	vm.mu.Lock()
	for _, have := range vm.images {
		if have.Paths[0] == wi.Paths[0] {
			vm.mu.Unlock()
			return wi, fmt.Errorf("%s is already added", filepath.Base(path))
		}
	}
	vm.images = append(vm.images, wi)
	paths := vm.allPathsLocked()
	vm.outcome = nil
	vm.mu.Unlock()
	// The evidence view verifies exactly the images listed.
	if err := vm.Evidence.Open(ctx, paths); err != nil {
		return wi, err
	}
	vm.onChange()
	return wi, nil
}

// Images lists the added images.
func (vm *WizardVM) Images() []WizardImage {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return append([]WizardImage(nil), vm.images...)
}

func (vm *WizardVM) allPathsLocked() []string {
	var out []string
	for _, im := range vm.images {
		out = append(out, im.Paths[0])
	}
	return out
}

// CreateRecord creates the examination record from the details, so that
// everything after it (verification included) is recorded.
func (vm *WizardVM) CreateRecord(ctx context.Context, d WizardDetails) (*record.Record, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	d.Zone = orDefault(d.Zone, DefaultZone)
	vm.mu.Lock()
	if vm.rec != nil {
		vm.mu.Unlock()
		return nil, errors.New("the record is already created")
	}
	vm.mu.Unlock()
	rec, err := record.Create(ctx, d.RecordPath, record.Setup{
		Case:         map[string]string{"urn": strings.TrimSpace(d.Case), "display_zone": d.Zone},
		Exhibit:      map[string]string{"reference": strings.TrimSpace(d.Exhibit)},
		Examiner:     record.Examiner{Name: strings.TrimSpace(d.ExaminerName), Role: strings.TrimSpace(d.ExaminerRole)},
		Instructions: d.Instructions,
	}, record.Options{KeyDir: vm.keyDir})
	if err != nil {
		return nil, err
	}
	vm.mu.Lock()
	vm.details, vm.rec = d, rec
	vm.status = "Record created: " + d.RecordPath
	vm.mu.Unlock()
	vm.onChange()
	return rec, nil
}

// Record is the created record (nil before CreateRecord).
func (vm *WizardVM) Record() *record.Record {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.rec
}

// Details returns the details the record was created with.
func (vm *WizardVM) Details() WizardDetails {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.details
}

// StartVerify verifies every added image in the background. When the pass
// ends (match, mismatch, unreadable regions, error or cancel) its outcome
// is written to the record as an evidence.verify entry; the returned
// channel receives the result after that.
func (vm *WizardVM) StartVerify(ctx context.Context) (<-chan error, error) {
	if vm.Record() == nil {
		return nil, errors.New("create the record first: the verification is recorded in it")
	}
	done, err := vm.Evidence.StartVerify(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan error, 1)
	go func() {
		verr := <-done
		lerr := vm.logVerification(context.WithoutCancel(ctx), verr)
		out <- errors.Join(verr, lerr)
	}()
	return out, nil
}

// VerifyResult words an outcome as the record stores it.
func VerifyResult(o *Outcome, err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case err != nil:
		return "error"
	case o == nil:
		return "error"
	case len(o.Errors) > 0:
		return "unreadable"
	case o.StoredMatch == nil:
		return scan.NoReference
	case *o.StoredMatch:
		return scan.Match
	}
	return scan.Mismatch
}

func (vm *WizardVM) logVerification(ctx context.Context, verr error) error {
	vm.mu.Lock()
	rec, o, images := vm.rec, vm.outcome, vm.allPathsLocked()
	vm.mu.Unlock()
	params := map[string]any{"images": images, "result": VerifyResult(o, verr)}
	if o != nil {
		params["md5"], params["sha1"], params["sha256"] = o.MD5, o.SHA1, o.SHA256
		if len(o.Errors) > 0 {
			params["unreadable"] = o.Errors
		}
	}
	if verr != nil {
		params["error"] = verr.Error()
	}
	if _, err := rec.Log(ctx, ActionEvidenceVerify, params); err != nil {
		return fmt.Errorf("recording the verification: %w", err)
	}
	return nil
}

// WizardState is a consistent copy of the examine step's state.
type WizardState struct {
	Examining bool
	Status    string
	Summary   *scan.Summary
	Err       error
}

// State returns the examine step's state.
func (vm *WizardVM) State() WizardState {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return WizardState{Examining: vm.examining, Status: vm.status, Summary: vm.summary, Err: vm.err}
}

// StartExamine runs the examination of every added image into the record,
// in the background; the channel receives its result.
func (vm *WizardVM) StartExamine(parent context.Context) (<-chan error, error) {
	vm.mu.Lock()
	if vm.rec == nil {
		vm.mu.Unlock()
		return nil, errors.New("create the record first")
	}
	if len(vm.images) == 0 {
		vm.mu.Unlock()
		return nil, errors.New("add at least one evidence image")
	}
	if vm.examining {
		vm.mu.Unlock()
		return nil, ErrBusy
	}
	if vm.examine == nil {
		vm.mu.Unlock()
		return nil, errors.New("this build has no examination pipeline")
	}
	ctx, cancel := context.WithCancel(parent)
	vm.examining, vm.cancel, vm.err, vm.summary = true, cancel, nil, nil
	vm.status = "Examining…"
	rec := vm.rec
	var images [][]string
	for _, im := range vm.images {
		images = append(images, im.Paths)
	}
	vm.mu.Unlock()
	vm.onChange()
	done := make(chan error, 1)
	go func() {
		defer cancel()
		sum, err := vm.examine(ctx, rec, images, func(line string) {
			vm.mu.Lock()
			vm.status = line
			vm.mu.Unlock()
			vm.onChange()
		})
		vm.mu.Lock()
		vm.examining, vm.cancel, vm.summary, vm.err = false, nil, sum, err
		switch {
		case err != nil:
			vm.status = "Examination incomplete: " + err.Error()
		case sum != nil:
			vm.status = fmt.Sprintf("Examination complete: %d files, %d artefacts, %d warnings in %s.",
				sum.Files, sum.Artefacts, sum.Warnings, time.Duration(sum.DurationNanos).Round(time.Millisecond))
		}
		vm.mu.Unlock()
		vm.onChange()
		done <- err
	}()
	return done, nil
}

// CancelExamine interrupts a running examination (recorded incomplete).
func (vm *WizardVM) CancelExamine() {
	vm.mu.Lock()
	c := vm.cancel
	vm.mu.Unlock()
	if c != nil {
		c()
	}
}

// openImages is the evidence view's opener: every added image, verified
// one after the other as one pass.
func (vm *WizardVM) openImages(ctx context.Context, paths []string) (Evidence, error) {
	ev, err := OpenImages(ctx, paths)
	if err != nil {
		return nil, err
	}
	set := ev.(*imageSet)
	set.record = func(o Outcome) {
		vm.mu.Lock()
		vm.outcome = &o
		vm.mu.Unlock()
	}
	return set, nil
}
