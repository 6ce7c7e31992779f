package wallets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ElectrumDB is an Electrum wallet file's JSON after the appended patches
// have been applied.
type ElectrumDB struct {
	Doc map[string]any
	// Patches is how many appended JSON-Patch operations were applied.
	Patches int
	// Problems are patch operations that could not be applied (the file was
	// cut short, or an operation names a path that does not exist); they do
	// not stop the reading.
	Problems []string
}

// ReadElectrumJSON reads a plaintext Electrum wallet: one JSON object,
// optionally followed by the partial writes of Electrum 4.5+, each
// ",\n" + a JSON-Patch operation (or a list of them), applied in order.
func ReadElectrumJSON(data []byte) (*ElectrumDB, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("electrum: JSON object at offset %d: %w", dec.InputOffset(), err)
	}
	if doc == nil {
		return nil, errors.New("electrum: top-level JSON is null")
	}
	db := &ElectrumDB{Doc: doc}
	pos := int(dec.InputOffset())
	for n := 0; ; n++ {
		i := pos
		commas := 0
		for i < len(data) && (data[i] == ',' || data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t') {
			if data[i] == ',' {
				commas++
			}
			i++
		}
		if i == len(data) {
			return db, nil
		}
		if commas != 1 {
			db.Problems = append(db.Problems, fmt.Sprintf("unexpected data at offset %d after the wallet object", pos))
			return db, nil
		}
		pd := json.NewDecoder(bytes.NewReader(data[i:]))
		pd.UseNumber()
		var p any
		if err := pd.Decode(&p); err != nil {
			// A write cut short by a crash leaves a truncated last patch:
			// Electrum itself would refuse the file, an examiner still
			// wants everything before it.
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				db.Problems = append(db.Problems, fmt.Sprintf("patch %d at offset %d is truncated", n, i))
			} else {
				db.Problems = append(db.Problems, fmt.Sprintf("patch %d at offset %d: %v", n, i, err))
			}
			return db, nil
		}
		ops, ok := p.([]any)
		if !ok {
			ops = []any{p}
		}
		for _, op := range ops {
			if err := db.apply(op); err != nil {
				db.Problems = append(db.Problems, fmt.Sprintf("patch %d at offset %d: %v", n, i, err))
				continue
			}
			db.Patches++
		}
		pos = i + int(pd.InputOffset())
	}
}

// apply performs one RFC 6902 operation of the kinds Electrum writes
// (add, replace, remove).
func (db *ElectrumDB) apply(raw any) error {
	m, ok := raw.(map[string]any)
	if !ok {
		return errors.New("operation is not an object")
	}
	op, _ := m["op"].(string)
	path, _ := m["path"].(string)
	val, hasVal := m["value"]
	switch op {
	case "add", "replace":
		if !hasVal {
			return fmt.Errorf("%s %q without value", op, path)
		}
	case "remove":
	default:
		return fmt.Errorf("unsupported operation %q", op)
	}
	toks, err := pointer(path)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		doc, ok := val.(map[string]any)
		if op == "remove" || !ok {
			return errors.New("operation on the whole document")
		}
		db.Doc = doc
		return nil
	}
	nv, err := patchValue(db.Doc, toks, op, val)
	if err != nil {
		return fmt.Errorf("%s %q: %w", op, path, err)
	}
	db.Doc = nv.(map[string]any)
	return nil
}

// pointer splits an RFC 6901 JSON pointer.
func pointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("path %q does not start with /", p)
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

// patchValue applies op at toks below v and returns v's new value (slices
// change identity when they grow or shrink).
func patchValue(v any, toks []string, op string, val any) (any, error) {
	key, last := toks[0], len(toks) == 1
	switch c := v.(type) {
	case map[string]any:
		if last {
			_, exists := c[key]
			switch op {
			case "add":
				c[key] = val
			case "replace":
				if !exists {
					return nil, fmt.Errorf("no member %q to replace", key)
				}
				c[key] = val
			case "remove":
				if !exists {
					return nil, fmt.Errorf("no member %q to remove", key)
				}
				delete(c, key)
			}
			return c, nil
		}
		child, ok := c[key]
		if !ok {
			return nil, fmt.Errorf("no member %q", key)
		}
		nv, err := patchValue(child, toks[1:], op, val)
		if err != nil {
			return nil, err
		}
		c[key] = nv
		return c, nil
	case []any:
		if last && op == "add" && key == "-" {
			return append(c, val), nil
		}
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i > len(c) || (i == len(c) && !(last && op == "add")) {
			return nil, fmt.Errorf("bad array index %q (length %d)", key, len(c))
		}
		if !last {
			nv, err := patchValue(c[i], toks[1:], op, val)
			if err != nil {
				return nil, err
			}
			c[i] = nv
			return c, nil
		}
		switch op {
		case "add":
			c = append(c, nil)
			copy(c[i+1:], c[i:])
			c[i] = val
		case "replace":
			c[i] = val
		case "remove":
			c = append(c[:i], c[i+1:]...)
		}
		return c, nil
	default:
		return nil, fmt.Errorf("%q is inside a scalar", key)
	}
}
