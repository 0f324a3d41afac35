package exchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/calc/jsonin"
)

// Formats of a batch's data files.
const (
	JSONL = "jsonl"
	CSV   = "csv"
	XLSX  = "xlsx"
)

// Formats lists them.
var Formats = []string{JSONL, CSV, XLSX}

// ValidFormat checks a format name.
func ValidFormat(s string) bool { return s == JSONL || s == CSV || s == XLSX }

// FileName is the data file of a dataset in a format.
func FileName(dataset, format string) string { return dataset + "." + format }

const bom = "\ufeff"

// Encode writes the records of a dataset in a format. Every record is
// checked first; a bad one is a programming error of the caller, reported
// with its index.
func Encode(d *Dataset, format string, recs []Record) ([]byte, error) {
	seen := make(map[string]int, len(recs))
	for i, r := range recs {
		if err := d.Check(r); err != nil {
			return nil, fmt.Errorf("%s record %d: %w", d.Name, i+1, err)
		}
		k := d.KeyOf(r)
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("%s record %d: same key %q as record %d", d.Name, i+1, k, j+1)
		}
		seen[k] = i
	}
	switch format {
	case JSONL:
		return encodeJSONL(d, recs), nil
	case CSV:
		return encodeCSV(d, recs)
	case XLSX:
		return encodeXLSX(d, recs)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// encodeJSONL writes one object per line, keys in field order, every value
// a JSON string or null.
func encodeJSONL(d *Dataset, recs []Record) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		b.WriteByte('{')
		for i, f := range d.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, f.Name)
			b.WriteByte(':')
			if r[i] == "" {
				b.WriteString("null")
			} else {
				writeJSONString(&b, r[i])
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// writeJSONString writes s (valid UTF-8, checked before) as a JSON
// string, escaping only what JSON requires.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
			b.WriteByte(c)
		} else {
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

func encodeCSV(d *Dataset, recs []Record) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(bom) // spreadsheet programs then read the Chinese right
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(d.Names())
	for _, r := range recs {
		w.Write(r)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// encodeXLSX writes one sheet named after the dataset: the field names in
// row 1, one record per row. Decimals and whole numbers are number cells
// holding exactly the text given (never converted through a float); all
// else is text, so codes such as 500103 stay text.
func encodeXLSX(d *Dataset, recs []Record) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := d.Name
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for i, n := range d.Names() {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := x.SetCellStr(sheet, cell, n); err != nil {
			return nil, err
		}
	}
	for ri, r := range recs {
		for i, v := range r {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, ri+2)
			var err error
			if t := d.Fields[i].Type; t == Decimal || t == Int {
				err = x.SetCellDefault(sheet, cell, v)
			} else {
				err = x.SetCellStr(sheet, cell, v)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RowError names the row (1-based, counting data rows) and the field of a
// fault in a data file.
type RowError struct {
	Row   int
	Field string
	Msg   string
}

func (e *RowError) Error() string {
	switch {
	case e.Row == 0:
		return e.Msg
	case e.Field != "":
		return fmt.Sprintf("row %d: %s: %s", e.Row, e.Field, e.Msg)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
}

// Decode reads a data file strictly: the exact header (CSV, XLSX) or the
// exact set of keys (JSON Lines), every value valid for its field, no two
// records with the same key.
func Decode(d *Dataset, format string, data []byte) (recs []Record, err error) {
	switch format {
	case JSONL:
		recs, err = decodeJSONL(d, data)
	case CSV:
		recs, err = decodeCSV(d, data)
	case XLSX:
		recs, err = decodeXLSX(d, data)
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(recs))
	for i, r := range recs {
		if err := d.Check(r); err != nil {
			return nil, &RowError{Row: i + 1, Msg: err.Error()}
		}
		k := d.KeyOf(r)
		if j, dup := seen[k]; dup {
			return nil, &RowError{Row: i + 1, Msg: fmt.Sprintf("same key %q as row %d", k, j+1)}
		}
		seen[k] = i
	}
	return recs, nil
}

func decodeJSONL(d *Dataset, data []byte) ([]Record, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if data[len(data)-1] != '\n' {
		return nil, &RowError{Msg: "the last line does not end with a newline"}
	}
	lines := bytes.Split(data[:len(data)-1], []byte{'\n'})
	recs := make([]Record, 0, len(lines))
	for i, line := range lines {
		row := i + 1
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, &RowError{Row: row, Msg: "carriage return in a line (lines end with \\n alone)"}
		}
		v, jerr := jsonin.Parse(line, 2)
		if jerr != nil {
			return nil, &RowError{Row: row, Msg: jerr.Path + ": " + jerr.Message}
		}
		if v.Kind != jsonin.KindObject {
			return nil, &RowError{Row: row, Msg: "want an object, got " + v.Kind.String()}
		}
		r := make(Record, len(d.Fields))
		got := make([]bool, len(d.Fields))
		for _, fl := range v.Fields {
			i := d.Index(fl.Key)
			if i < 0 {
				return nil, &RowError{Row: row, Field: fl.Key, Msg: "unknown field"}
			}
			got[i] = true
			switch fl.Value.Kind {
			case jsonin.KindNull:
			case jsonin.KindString:
				if fl.Value.Text == "" {
					return nil, &RowError{Row: row, Field: fl.Key, Msg: `empty string; an absent value is null`}
				}
				r[i] = fl.Value.Text
			default:
				return nil, &RowError{Row: row, Field: fl.Key, Msg: "want a string or null, got " + fl.Value.Kind.String()}
			}
		}
		for i, ok := range got {
			if !ok {
				return nil, &RowError{Row: row, Field: d.Fields[i].Name, Msg: "missing (write null for an absent value)"}
			}
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func decodeCSV(d *Dataset, data []byte) ([]Record, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(d.Fields)
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RowError{Msg: "empty file: the header row is missing"}
		}
		return nil, &RowError{Msg: "header: " + csvMsg(err)}
	}
	if strings.Join(head, ",") != strings.Join(d.Names(), ",") {
		return nil, &RowError{Msg: fmt.Sprintf("header is %q, want %q", clip(strings.Join(head, ",")), strings.Join(d.Names(), ","))}
	}
	var recs []Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &RowError{Row: len(recs) + 1, Msg: csvMsg(err)}
		}
		recs = append(recs, Record(rec))
	}
	return recs, nil
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d: %v", pe.Line, pe.Err)
	}
	return err.Error()
}

func decodeXLSX(d *Dataset, data []byte) (recs []Record, err error) {
	// A workbook reaches this point only after its hash and the manifest's
	// signature were checked, but a parser must not take the process down
	// on a malformed file either way.
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, &RowError{Msg: fmt.Sprintf("unreadable workbook: %v", p)}
		}
	}()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, &RowError{Msg: "not an XLSX workbook: " + err.Error()}
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 1 || sheets[0] != d.Name {
		return nil, &RowError{Msg: fmt.Sprintf("want exactly one sheet named %q, got %q", d.Name, strings.Join(sheets, ", "))}
	}
	rows, err := x.GetRows(d.Name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, &RowError{Msg: err.Error()}
	}
	if len(rows) == 0 {
		return nil, &RowError{Msg: "the header row is missing"}
	}
	if strings.Join(rows[0], ",") != strings.Join(d.Names(), ",") {
		return nil, &RowError{Msg: fmt.Sprintf("header is %q, want %q", clip(strings.Join(rows[0], ",")), strings.Join(d.Names(), ","))}
	}
	for i, row := range rows[1:] {
		if len(row) > len(d.Fields) {
			return nil, &RowError{Row: i + 1, Msg: fmt.Sprintf("%d cells, want at most %d", len(row), len(d.Fields))}
		}
		if len(row) == 0 {
			return nil, &RowError{Row: i + 1, Msg: "empty row"}
		}
		r := make(Record, len(d.Fields))
		copy(r, row) // GetRows drops trailing empty cells
		recs = append(recs, r)
	}
	return recs, nil
}
