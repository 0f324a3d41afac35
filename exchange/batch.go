package exchange

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ecotax/ecotax/calc/jsonin"
)

// Names of the two files every batch has besides its data files.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// ManifestVersion is the version of this manifest layout.
const ManifestVersion = 1

// MinKeyBytes is the shortest key accepted: HMAC-SHA256 wants at least the
// hash's size of secret material (RFC 2104 §3).
const MinKeyBytes = 32

// Manifest describes a batch. It is what the signature covers.
type Manifest struct {
	Version   int         `json:"version"`
	BatchID   string      `json:"batch_id"`
	Direction string      `json:"direction"`
	Sender    string      `json:"sender"`
	Period    string      `json:"period"`
	Region    string      `json:"region"`
	CreatedAt string      `json:"created_at"` // RFC 3339, UTC
	Format    string      `json:"format"`
	Files     []FileEntry `json:"files"`
}

// FileEntry is one data file of a batch.
type FileEntry struct {
	Name    string `json:"name"`
	Dataset string `json:"dataset"`
	Rows    int    `json:"rows"`
	Bytes   int    `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// Header is what the maker of a batch says about it.
type Header struct {
	BatchID   string
	Direction string
	Sender    string
	Period    string
	Region    string
	CreatedAt time.Time
	Format    string
}

// Batch is a batch in memory: its files by name (manifest and signature
// included) and, once read, its manifest and records by dataset.
type Batch struct {
	Manifest Manifest
	Files    map[string][]byte
	Records  map[string][]Record
}

// Refusal is why a batch is not accepted. Nothing of a refused batch may
// be stored.
type Refusal struct {
	Code string // missing_key, manifest_missing, signature_missing, bad_signature, manifest_invalid, file_missing, file_unexpected, file_changed, row_count, content_invalid
	File string
	Msg  string
}

func (r *Refusal) Error() string {
	if r.File != "" {
		return fmt.Sprintf("batch refused (%s): %s: %s", r.Code, r.File, r.Msg)
	}
	return fmt.Sprintf("batch refused (%s): %s", r.Code, r.Msg)
}

func refuse(code, file, format string, args ...any) *Refusal {
	return &Refusal{Code: code, File: file, Msg: fmt.Sprintf(format, args...)}
}

// CheckKey refuses a missing or short key.
func CheckKey(key []byte) error {
	if len(key) == 0 {
		return refuse("missing_key", "", "no exchange key is configured (ECOTAX_EXCHANGE_KEY); batches are never made or read unsigned")
	}
	if len(key) < MinKeyBytes {
		return refuse("missing_key", "", "the exchange key has %d bytes; at least %d are required", len(key), MinKeyBytes)
	}
	if WeakKey(key) {
		return refuse("weak_key", "", "the exchange key is too regular to be secret (few distinct characters or a repeated pattern); make one with openssl rand -hex 32")
	}
	return nil
}

// WeakKey reports a key that is long enough but plainly not random: fewer
// than 10 distinct bytes (a hex key of 32 random bytes has 16), or a
// short pattern repeated ("abcdabcd…").
func WeakKey(key []byte) bool {
	seen := map[byte]bool{}
	for _, b := range key {
		seen[b] = true
	}
	if len(seen) < 10 {
		return true
	}
	for p := 1; p <= len(key)/2; p++ {
		if bytes.Equal(key[p:], key[:len(key)-p]) {
			return true
		}
	}
	return false
}

// Sign is the hex HMAC-SHA256 of the manifest's bytes.
func Sign(key, manifest []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(manifest)
	return hex.EncodeToString(m.Sum(nil))
}

func sha(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Build writes the records of each dataset of h.Direction present in recs
// as data files, then the manifest and its signature. Datasets are written
// in batch order; a dataset of the other direction, an unknown one or a
// bad record is an error.
func Build(h Header, recs map[string][]Record, key []byte) (*Batch, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if h.Direction != TaxToEnv && h.Direction != EnvToTax {
		return nil, fmt.Errorf("direction %q is not %s or %s", h.Direction, TaxToEnv, EnvToTax)
	}
	if !ValidFormat(h.Format) {
		return nil, fmt.Errorf("format %q is not one of %s", h.Format, strings.Join(Formats, ", "))
	}
	if msg := checkValue(Text, h.BatchID); h.BatchID == "" || msg != "" || strings.ContainsAny(h.BatchID, "/\\ ") || len(h.BatchID) > 100 {
		return nil, fmt.Errorf("batch id %q must be 1–100 characters without spaces or slashes", h.BatchID)
	}
	for name := range recs {
		d, ok := Lookup(name)
		if !ok {
			return nil, fmt.Errorf("unknown dataset %q", name)
		}
		if d.Direction != h.Direction {
			return nil, fmt.Errorf("dataset %s goes %s, not %s", name, d.Direction, h.Direction)
		}
	}
	b := &Batch{Files: map[string][]byte{}, Records: map[string][]Record{}}
	m := Manifest{Version: ManifestVersion, BatchID: h.BatchID, Direction: h.Direction, Sender: h.Sender, Period: h.Period,
		Region: h.Region, CreatedAt: h.CreatedAt.UTC().Format(time.RFC3339), Format: h.Format, Files: []FileEntry{}}
	for _, d := range Of(h.Direction) {
		rs, ok := recs[d.Name]
		if !ok {
			continue
		}
		data, err := Encode(d, h.Format, rs)
		if err != nil {
			return nil, err
		}
		name := FileName(d.Name, h.Format)
		b.Files[name] = data
		b.Records[d.Name] = rs
		m.Files = append(m.Files, FileEntry{Name: name, Dataset: d.Name, Rows: len(rs), Bytes: len(data), SHA256: sha(data)})
	}
	if err := checkManifestText(&m); err != nil {
		return nil, err
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mb = append(mb, '\n')
	b.Manifest = m
	b.Files[ManifestName] = mb
	b.Files[SignatureName] = []byte(Sign(key, mb) + "\n")
	return b, nil
}

// Limits on what a batch may hold.
const (
	MaxFiles     = 2 + 16
	MaxFileBytes = 256 << 20
)

// Open verifies a batch and reads its records. In order: the key, the
// manifest and signature present, the signature right, the manifest well
// formed, every listed file present with its size and SHA-256, no file
// that is not listed, and every file's content valid with the row count
// the manifest states. The first fault refuses the whole batch.
func Open(files map[string][]byte, key []byte) (*Batch, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	mb, ok := files[ManifestName]
	if !ok {
		return nil, refuse("manifest_missing", ManifestName, "the batch has no manifest")
	}
	sig, ok := files[SignatureName]
	if !ok {
		return nil, refuse("signature_missing", SignatureName, "the batch has no signature")
	}
	got := strings.TrimSuffix(string(sig), "\n")
	want := Sign(key, mb)
	if len(got) != len(want) || !hmac.Equal([]byte(got), []byte(want)) {
		return nil, refuse("bad_signature", SignatureName, "the signature does not match the manifest under the configured key (the manifest was changed, or it was signed with another key)")
	}
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, err
	}
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, fe := range m.Files {
		listed[fe.Name] = true
	}
	var extra []string
	for name := range files {
		if !listed[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, refuse("file_unexpected", extra[0], "the file is not listed in the manifest (%d unlisted: %s)", len(extra), strings.Join(extra, ", "))
	}
	b := &Batch{Manifest: *m, Files: files, Records: map[string][]Record{}}
	for _, fe := range m.Files {
		data, ok := files[fe.Name]
		if !ok {
			return nil, refuse("file_missing", fe.Name, "listed in the manifest but not in the batch")
		}
		if len(data) != fe.Bytes || sha(data) != fe.SHA256 {
			return nil, refuse("file_changed", fe.Name, "size %d / SHA-256 %s, the manifest says %d / %s", len(data), sha(data), fe.Bytes, fe.SHA256)
		}
		d, _ := Lookup(fe.Dataset)
		recs, err := Decode(d, m.Format, data)
		if err != nil {
			return nil, refuse("content_invalid", fe.Name, "%v", err)
		}
		if len(recs) != fe.Rows {
			return nil, refuse("row_count", fe.Name, "%d rows, the manifest says %d", len(recs), fe.Rows)
		}
		b.Records[fe.Dataset] = recs
	}
	return b, nil
}

// ParseManifest reads a manifest strictly: known fields only, each once,
// of the right type; a known version, direction and format; every file
// named after its dataset and format, each dataset once and of the
// batch's direction.
func ParseManifest(data []byte) (*Manifest, error) {
	bad := func(format string, args ...any) error {
		return refuse("manifest_invalid", ManifestName, format, args...)
	}
	v, jerr := jsonin.Parse(data, 4)
	if jerr != nil {
		return nil, bad("%s: %s", jerr.Path, jerr.Message)
	}
	m := &Manifest{}
	if err := readObject(v, "$", map[string]func(*jsonin.Value, string) error{
		"version":    intField(&m.Version),
		"batch_id":   strField(&m.BatchID),
		"direction":  strField(&m.Direction),
		"sender":     strField(&m.Sender),
		"period":     strField(&m.Period),
		"region":     strField(&m.Region),
		"created_at": strField(&m.CreatedAt),
		"format":     strField(&m.Format),
		"files": func(v *jsonin.Value, path string) error {
			if v.Kind != jsonin.KindArray {
				return fmt.Errorf("%s: want an array, got %s", path, v.Kind)
			}
			m.Files = make([]FileEntry, len(v.Items))
			for i, it := range v.Items {
				fe := &m.Files[i]
				if err := readObject(it, jsonin.Index(path, i), map[string]func(*jsonin.Value, string) error{
					"name": strField(&fe.Name), "dataset": strField(&fe.Dataset), "rows": intField(&fe.Rows),
					"bytes": intField(&fe.Bytes), "sha256": strField(&fe.SHA256),
				}); err != nil {
					return err
				}
			}
			return nil
		},
	}); err != nil {
		return nil, bad("%v", err)
	}
	if m.Version != ManifestVersion {
		return nil, bad("version %d is not %d", m.Version, ManifestVersion)
	}
	if m.Direction != TaxToEnv && m.Direction != EnvToTax {
		return nil, bad("direction %q is not %s or %s", m.Direction, TaxToEnv, EnvToTax)
	}
	if !ValidFormat(m.Format) {
		return nil, bad("format %q is not one of %s", m.Format, strings.Join(Formats, ", "))
	}
	if _, err := time.Parse(time.RFC3339, m.CreatedAt); err != nil {
		return nil, bad("created_at %q is not an RFC 3339 time", clip(m.CreatedAt))
	}
	if err := checkManifestText(m); err != nil {
		return nil, bad("%v", err)
	}
	if len(m.Files)+2 > MaxFiles {
		return nil, bad("%d data files; at most %d", len(m.Files), MaxFiles-2)
	}
	seen := map[string]bool{}
	for i, fe := range m.Files {
		d, ok := Lookup(fe.Dataset)
		switch {
		case !ok:
			return nil, bad("files[%d]: unknown dataset %q", i, clip(fe.Dataset))
		case d.Direction != m.Direction:
			return nil, bad("files[%d]: dataset %s goes %s, the batch %s", i, d.Name, d.Direction, m.Direction)
		case seen[d.Name]:
			return nil, bad("files[%d]: dataset %s listed twice", i, d.Name)
		case fe.Name != FileName(d.Name, m.Format):
			return nil, bad("files[%d]: name %q, want %q", i, clip(fe.Name), FileName(d.Name, m.Format))
		case len(fe.SHA256) != 64 || strings.Trim(fe.SHA256, "0123456789abcdef") != "":
			return nil, bad("files[%d]: sha256 is not 64 lowercase hex digits", i)
		case fe.Bytes > MaxFileBytes:
			return nil, bad("files[%d]: %d bytes; at most %d", i, fe.Bytes, MaxFileBytes)
		}
		seen[d.Name] = true
	}
	return m, nil
}

func checkManifestText(m *Manifest) error {
	for _, f := range []struct{ name, v string }{{"batch_id", m.BatchID}, {"sender", m.Sender}, {"period", m.Period}, {"region", m.Region}} {
		if msg := checkValue(Text, f.v); msg != "" || len(f.v) > 200 {
			return fmt.Errorf("%s %q is not short plain text", f.name, clip(f.v))
		}
	}
	if m.BatchID == "" || strings.ContainsAny(m.BatchID, "/\\ ") {
		return fmt.Errorf("batch_id %q must be non-empty, without spaces or slashes", clip(m.BatchID))
	}
	return nil
}

func readObject(v *jsonin.Value, path string, fields map[string]func(*jsonin.Value, string) error) error {
	if v.Kind != jsonin.KindObject {
		return fmt.Errorf("%s: want an object, got %s", path, v.Kind)
	}
	got := map[string]bool{}
	for _, f := range v.Fields {
		read, ok := fields[f.Key]
		if !ok {
			return fmt.Errorf("%s: unknown field", jsonin.Key(path, f.Key))
		}
		got[f.Key] = true
		if err := read(f.Value, jsonin.Key(path, f.Key)); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !got[k] {
			return fmt.Errorf("%s: required", jsonin.Key(path, k))
		}
	}
	return nil
}

func strField(dst *string) func(*jsonin.Value, string) error {
	return func(v *jsonin.Value, path string) error {
		if v.Kind != jsonin.KindString {
			return fmt.Errorf("%s: want a string, got %s", path, v.Kind)
		}
		*dst = v.Text
		return nil
	}
}

func intField(dst *int) func(*jsonin.Value, string) error {
	return func(v *jsonin.Value, path string) error {
		if v.Kind != jsonin.KindNumber || checkValue(Int, v.Text) != "" {
			return fmt.Errorf("%s: want a whole number ≥ 0 below 1e9", path)
		}
		n := 0
		for _, c := range v.Text {
			n = n*10 + int(c-'0')
		}
		*dst = n
		return nil
	}
}
