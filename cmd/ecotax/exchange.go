package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

const exchangeUsage = `usage:
  ecotax exchange export --direction tax_to_env|env_to_tax --period P [--format jsonl|csv|xlsx] [--region CODE] --out DIR|FILE.zip
  ecotax exchange import [--region CODE] DIR|FILE.zip
  ecotax exchange verify DIR|FILE.zip
  ecotax exchange worklist [--direction tax_to_env|env_to_tax] [--format json|csv] [--region CODE]

A batch is a directory (or a ZIP archive) of manifest.json, manifest.sig and
one data file per dataset. ECOTAX_EXCHANGE_KEY (at least 32 bytes) signs and
verifies; without it nothing runs. worklist lists the records of imported
batches that match no taxpayer, outlet or MN registered here (实施条例
第十九条). export, import and worklist use the database of
ecotax serve (DATABASE_URL or ECOTAX_SQLITE_PATH) and act as the operator
(admin#0), bound to --region when given.`

// cmdExchange makes, reads and checks the batches of the tax–environment
// exchange (涉税信息共享, 环境保护税法 第十五条). See docs/exchange.md.
func cmdExchange(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, exchangeUsage)
		return exitInput
	}
	switch args[0] {
	case "export":
		return exchangeExport(e, args[1:])
	case "import":
		return exchangeImport(e, args[1:])
	case "verify":
		return exchangeVerify(e, args[1:])
	case "worklist":
		return exchangeWorklist(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, exchangeUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax exchange: unknown subcommand %q\n%s\n", args[0], exchangeUsage)
	return exitInput
}

// exchangeKey takes ECOTAX_EXCHANGE_KEY (config.go) and refuses to go on without a
// good one.
func exchangeKey(e *env) ([]byte, bool) {
	cfg, err := e.config()
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return nil, false
	}
	key := cfg.ExchangeKey
	if err := exchange.CheckKey(key); err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return nil, false
	}
	return key, true
}

// exchangeOperator is the operator bound to --region.
func exchangeOperator(region string) (filing.Principal, error) {
	if region != "" && !calc.ValidRegion(region) {
		return filing.Principal{}, fmt.Errorf("--region must be a 6-digit GB/T 2260 code")
	}
	return operator(region), nil
}

// openExchange opens the service for an exchange command acting as the
// operator bound to region; code is exitOK, or the exit code after the
// reason was written.
func openExchange(e *env, region string) (svc *app.Service, p filing.Principal, done func(), code int) {
	p, err := exchangeOperator(region)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return nil, p, nil, exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return nil, p, nil, exitInternal
	}
	return svc, p, func() { db.Close() }, exitOK
}

// operator is cliPrincipal bound to a region ("" = all).
func operator(region string) filing.Principal {
	p := cliPrincipal
	p.Region = region
	return p
}

func exchangeExport(e *env, args []string) int {
	fs := flag.NewFlagSet("exchange export", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("direction", "", "tax_to_env or env_to_tax")
	period := fs.String("period", "", "YYYY-Qn or YYYY-MM-DD")
	format := fs.String("format", exchange.JSONL, "jsonl, csv or xlsx")
	region := fs.String("region", "", "GB/T 2260 code the batch is limited to (default: all)")
	out := fs.String("out", "", "a new directory, or a FILE.zip")
	if pos, err := parseArgs(fs, args); err != nil || len(pos) > 0 || *out == "" {
		fmt.Fprintln(e.stderr, exchangeUsage)
		return exitInput
	}
	if _, ok := exchangeKey(e); !ok {
		return exitInput
	}
	if err := checkOut(*out); err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return exitInput
	}
	svc, p, done, code := openExchange(e, *region)
	if code != exitOK {
		return code
	}
	defer done()
	ctx := app.WithRequestID(e.ctx, "cli")
	r, err := svc.ExportBatch(ctx, p, app.Idem{}, app.ExportRequest{Direction: *dir, Period: *period, Format: *format})
	if err != nil {
		return reportError(e, err)
	}
	v := r.Value
	_, files, err := svc.BatchFiles(ctx, p, v.Batch.BatchID)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange: the batch just made is not stored:", err)
		return exitInternal
	}
	if err := writeBatch(*out, files); err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return exitInternal
	}
	return writeJSON(e, summary(&v.Manifest, nil))
}

// checkOut refuses to write over anything: a ZIP that exists, or a
// directory that is not empty.
func checkOut(out string) error {
	if strings.HasSuffix(out, ".zip") {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s exists; nothing is overwritten", out)
		}
		return nil
	}
	entries, err := os.ReadDir(out)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty; nothing is overwritten", out)
	}
	return nil
}

func writeBatch(out string, files map[string][]byte) error {
	if strings.HasSuffix(out, ".zip") {
		data, err := exchange.Pack(files)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readBatch reads a batch from a directory (its plain files; a
// subdirectory is refused) or a ZIP archive.
func readBatch(path string) (map[string][]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		if st.Size() > exchange.MaxArchiveBytes {
			return nil, fmt.Errorf("%s is larger than %d bytes", path, exchange.MaxArchiveBytes)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return exchange.Unpack(data)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	if len(entries) > exchange.MaxFiles {
		return nil, &exchange.Refusal{Code: "archive_invalid", Msg: fmt.Sprintf("%d entries; a batch has at most %d files", len(entries), exchange.MaxFiles)}
	}
	files := map[string][]byte{}
	for _, en := range entries {
		if !en.Type().IsRegular() {
			return nil, &exchange.Refusal{Code: "file_unexpected", File: en.Name(), Msg: "not a plain file"}
		}
		info, err := en.Info()
		if err != nil {
			return nil, err
		}
		if info.Size() > exchange.MaxFileBytes {
			return nil, &exchange.Refusal{Code: "archive_invalid", File: en.Name(), Msg: "larger than the limit"}
		}
		if files[en.Name()], err = os.ReadFile(filepath.Join(path, en.Name())); err != nil {
			return nil, err
		}
	}
	return files, nil
}

type batchSummary struct {
	OK              bool           `json:"ok"`
	BatchID         string         `json:"batch_id"`
	Direction       string         `json:"direction"`
	Period          string         `json:"period"`
	Region          string         `json:"region"`
	Format          string         `json:"format"`
	Files           []fileSummary  `json:"files"`
	AlreadyImported bool           `json:"already_imported,omitempty"`
	Outcomes        map[string]int `json:"outcomes,omitempty"`
}

type fileSummary struct {
	Name    string `json:"name"`
	Dataset string `json:"dataset"`
	Rows    int    `json:"rows"`
}

func summary(m *exchange.Manifest, v *app.BatchView) batchSummary {
	s := batchSummary{OK: true, BatchID: m.BatchID, Direction: m.Direction, Period: m.Period, Region: m.Region, Format: m.Format, Files: []fileSummary{}}
	for _, f := range m.Files {
		s.Files = append(s.Files, fileSummary{f.Name, f.Dataset, f.Rows})
	}
	if v != nil {
		s.AlreadyImported = v.AlreadyImported
		s.Outcomes = map[string]int{}
		for _, r := range v.Records {
			// "created: penalty 3" counts as "created"
			kind, _, _ := strings.Cut(r.Outcome, ":")
			s.Outcomes[r.Dataset+" "+kind]++
		}
	}
	return s
}

// refused prints why a batch was refused and exits 2.
func refused(e *env, err error) int {
	var r *exchange.Refusal
	if errors.As(err, &r) {
		writeJSONTo(e.stderr, map[string]any{"ok": false, "code": r.Code, "file": r.File, "message": r.Msg})
		return exitInput
	}
	return reportError(e, err)
}

func writeJSONTo(w io.Writer, v any) {
	e := &env{stdout: w, stderr: io.Discard}
	writeJSON(e, v)
}

func exchangeImport(e *env, args []string) int {
	fs := flag.NewFlagSet("exchange import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	region := fs.String("region", "", "act for this GB/T 2260 region only")
	pos, err := parseArgs(fs, args)
	if err != nil || len(pos) != 1 {
		fmt.Fprintln(e.stderr, exchangeUsage)
		return exitInput
	}
	if _, ok := exchangeKey(e); !ok {
		return exitInput
	}
	if _, err := exchangeOperator(*region); err != nil {
		fmt.Fprintln(e.stderr, "ecotax exchange:", err)
		return exitInput
	}
	files, err := readBatch(pos[0])
	if err != nil {
		return refused(e, err)
	}
	svc, p, done, code := openExchange(e, *region)
	if code != exitOK {
		return code
	}
	defer done()
	v, err := svc.ImportBatch(app.WithRequestID(e.ctx, "cli"), p, files)
	if err != nil {
		return reportError(e, err) // refusals come back as problems naming the file and the reason
	}
	return writeJSON(e, summary(&v.Manifest, v))
}

// exchangeVerify checks a batch completely (signature, every file's size,
// hash and content) without a database.
func exchangeVerify(e *env, args []string) int {
	fs := flag.NewFlagSet("exchange verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	pos, err := parseArgs(fs, args)
	if err != nil || len(pos) != 1 {
		fmt.Fprintln(e.stderr, exchangeUsage)
		return exitInput
	}
	key, ok := exchangeKey(e)
	if !ok {
		return exitInput
	}
	files, err := readBatch(pos[0])
	if err != nil {
		return refused(e, err)
	}
	b, err := exchange.Open(files, key)
	if err != nil {
		return refused(e, err)
	}
	return writeJSON(e, summary(&b.Manifest, nil))
}

// exchangeWorklist writes the identification worklist (实施条例 第十九条):
// the other side's records that match nothing registered here.
func exchangeWorklist(e *env, args []string) int {
	fs := flag.NewFlagSet("exchange worklist", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	region := fs.String("region", "", "act for this GB/T 2260 region only")
	direction := fs.String("direction", "", "tax_to_env or env_to_tax (default both)")
	format := fs.String("format", "json", "json or csv")
	pos, err := parseArgs(fs, args)
	if err != nil || len(pos) != 0 || (*format != "json" && *format != "csv") {
		fmt.Fprintln(e.stderr, exchangeUsage)
		return exitInput
	}
	svc, p, done, code := openExchange(e, *region)
	if code != exitOK {
		return code
	}
	defer done()
	items, err := svc.Worklist(app.WithRequestID(e.ctx, "cli"), p, *direction)
	if err != nil {
		return reportError(e, err)
	}
	if *format == "csv" {
		data, err := app.WorklistCSV(items)
		if err != nil {
			return reportError(e, err)
		}
		if _, err := e.stdout.Write(data); err != nil {
			return exitInternal
		}
		return exitOK
	}
	return writeJSON(e, map[string]any{"items": items})
}
