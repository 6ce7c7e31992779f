package tor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// ProfileJSON reads two small JSON files of a Firefox-family profile:
// times.json (profile creation and first use) and extensions.json (the
// add-on database: NoScript, and anything the user added). Both are
// recognised by their keys, not their names.
type ProfileJSON struct{}

// NewProfileJSON returns the parser.
func NewProfileJSON() *ProfileJSON { return &ProfileJSON{} }

func (*ProfileJSON) Name() string    { return "tor/profile-json" }
func (*ProfileJSON) Version() string { return "1" }

// maxProfileJSON bounds extensions.json (real ones are tens of KiB).
const maxProfileJSON = 8 << 20

func (*ProfileJSON) Match(in *artefacts.Input) bool {
	h := bytes.TrimSpace(in.Head)
	if len(h) == 0 || h[0] != '{' || in.Size > maxProfileJSON {
		return false
	}
	return isTimesJSON(h, in.Size) || (bytes.Contains(h, []byte(`"schemaVersion"`)) && bytes.Contains(h, []byte(`"addons"`)))
}

func isTimesJSON(h []byte, size int64) bool {
	return size < 512 && bytes.Contains(h, []byte(`"created"`)) && !bytes.Contains(h, []byte(`"addons"`))
}

type addon struct {
	ID            string `json:"id"`
	Version       string `json:"version"`
	Type          string `json:"type"`
	Active        *bool  `json:"active"`
	UserDisabled  *bool  `json:"userDisabled"`
	InstallDate   int64  `json:"installDate"`
	UpdateDate    int64  `json:"updateDate"`
	Path          string `json:"path"`
	SourceURI     string `json:"sourceURI"`
	Location      string `json:"location"`
	DefaultLocale struct {
		Name    string `json:"name"`
		Creator string `json:"creator"`
	} `json:"defaultLocale"`
}

func (p *ProfileJSON) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	b := make([]byte, in.Size)
	if n, err := in.Reader.ReadAt(b, 0); int64(n) != in.Size {
		return fmt.Errorf("%d of %d bytes read: %w", n, in.Size, err)
	}
	prof := profile{}
	if in.FS != nil && in.Path != "" {
		prof = classify(in.FS, path.Dir(fsPath(in)))
	}
	fam := prof.family()
	if isTimesJSON(bytes.TrimSpace(in.Head), in.Size) {
		var t struct {
			Created  *int64 `json:"created"`
			FirstUse *int64 `json:"firstUse"`
		}
		if err := json.Unmarshal(b, &t); err != nil || t.Created == nil {
			return artefacts.ErrWrongFormat
		}
		attrs := []finding.Attr{finding.T("created", time.UnixMilli(*t.Created))}
		if t.FirstUse != nil && *t.FirstUse > 0 {
			attrs = append(attrs, finding.T("first_use", time.UnixMilli(*t.FirstUse)))
		}
		e.emit(fam+".profile_times", finding.Data, in.Ref.Record("json", "$"), "", append(attrs, prof.attrs()...))
		return nil
	}
	var db struct {
		SchemaVersion *int              `json:"schemaVersion"`
		Addons        []json.RawMessage `json:"addons"`
	}
	if err := json.Unmarshal(b, &db); err != nil {
		e.warn(nil, fmt.Sprintf("extensions.json: %v", err))
		return nil
	}
	if db.SchemaVersion == nil {
		return artefacts.ErrWrongFormat
	}
	for i, raw := range db.Addons {
		src := in.Ref.Record("json", "addons["+strconv.Itoa(i)+"]")
		var a addon
		if err := json.Unmarshal(raw, &a); err != nil || a.ID == "" {
			e.warn(src, "add-on entry without an id")
			continue
		}
		attrs := []finding.Attr{finding.S("id", a.ID), finding.S("name", a.DefaultLocale.Name), finding.S("version", a.Version),
			finding.S("type", a.Type), finding.S("location", a.Location)}
		if a.Active != nil {
			attrs = append(attrs, finding.B("active", *a.Active))
		}
		if a.UserDisabled != nil {
			attrs = append(attrs, finding.B("user_disabled", *a.UserDisabled))
		}
		if a.InstallDate > 0 {
			attrs = append(attrs, finding.T("install_date", time.UnixMilli(a.InstallDate)))
		}
		if a.UpdateDate > 0 {
			attrs = append(attrs, finding.T("update_date", time.UnixMilli(a.UpdateDate)))
		}
		if a.Path != "" {
			attrs = append(attrs, finding.S("path", a.Path))
		}
		if a.SourceURI != "" {
			attrs = append(attrs, finding.S("source_uri", a.SourceURI))
		}
		e.emit(fam+".extension", finding.Data, src, "", append(attrs, prof.attrs()...))
	}
	return nil
}
