package app

// The tax–environment exchange (涉税信息共享, 环境保护税法 第十五条): signed
// batches both ways. The tax side exports declarations, payments,
// reductions, arrears, risk flags and review requests; the environment
// side exports penalty records and review opinions; both send their
// basic records and details (exchange_basic.go). Importing verifies the batch completely before anything is
// stored, applies penalty records and review opinions, keeps every file
// byte for byte, and changes nothing the second time. The datasets, their
// rows, signing and verifying are exchange/'s; here are the transactions
// and who may do what. See docs/exchange.md.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// Provider supplies the records of a dataset this service does not keep
// itself (permits, supervisory samples: their files go empty without
// one). A registered provider replaces those rows; the seam is here so
// that a later module registers one without touching the exchange.
type Provider func(tx *store.Tx, per filing.Period, regionPrefix string) ([]exchange.Record, error)

// Providers by dataset name, for the datasets that have none here.
var Providers = map[string]Provider{}

// ExportRequest is what a batch covers (the JSON names are the API's).
type ExportRequest struct {
	Direction string `json:"direction"`
	Period    string `json:"period"`
	Format    string `json:"format"`
}

// BatchView is a stored batch: its row, its manifest and its records,
// each with what the import did.
type BatchView struct {
	Batch    store.XBatch      `json:"batch"`
	Manifest exchange.Manifest `json:"manifest"`
	Records  []RecordView      `json:"records"`
	// AlreadyImported: the same batch was stored before; nothing changed.
	AlreadyImported bool `json:"already_imported,omitempty"`
}

// RecordView is one record of a batch with its outcome.
type RecordView struct {
	Dataset string             `json:"dataset"`
	Line    int                `json:"line"`
	Key     string             `json:"key"`
	Outcome string             `json:"outcome"`
	Values  map[string]*string `json:"values"`
}

func (s *Service) exchangeKey() ([]byte, error) {
	if err := exchange.CheckKey(s.xkey); err != nil {
		return nil, Fail(KindUnavailable, "exchange_key_missing", "未配置信息交换密钥", err.Error()+"; set ECOTAX_EXCHANGE_KEY on the server")
	}
	return s.xkey, nil
}

// CheckDirection checks a direction a listing asks for ("" = both).
func CheckDirection(dir string) error {
	if dir != "" && dir != exchange.TaxToEnv && dir != exchange.EnvToTax {
		return badDirection()
	}
	return nil
}

func badDirection() error {
	return calc.Invalid([]calc.FieldError{{Path: "direction", Code: "invalid_value", Message: "direction is tax_to_env or env_to_tax"}})
}

// mayMove checks the principal may export (or import) a direction: each
// bureau sends its own data and reads the other's.
func mayMove(p filing.Principal, direction string, export bool) error {
	if direction != exchange.TaxToEnv && direction != exchange.EnvToTax {
		return badDirection()
	}
	own := map[filing.Role]string{filing.RoleTaxOfficer: exchange.TaxToEnv, filing.RoleEnvOfficer: exchange.EnvToTax}[p.Role]
	ok := p.Role == filing.RoleAdmin || (export && own == direction) || (!export && own != "" && own != direction)
	if !ok {
		verb := "export"
		if !export {
			verb = "import"
		}
		return Fail(KindForbidden, "forbidden", "无权执行该操作", fmt.Sprintf("role %s may not %s %s batches", p.Role, verb, direction))
	}
	return nil
}

func batchID(direction, period string, now filing.Date) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%s-%s-%s", direction, period, strings.ReplaceAll(string(now), "-", ""), hex.EncodeToString(b[:])), nil
}

// prefixOf is the prefix of the region codes the principal may see
// ("" = all).
func prefixOf(p filing.Principal) string {
	if p.Region == "" {
		return ""
	}
	return calc.RegionPrefix(p.Region)
}

// ExportBatch gathers the records of a direction for a period in the
// principal's region, signs them as a batch and stores it (origin
// export).
func (s *Service) ExportBatch(ctx context.Context, p filing.Principal, k Idem, in ExportRequest) (*Created[*BatchView], error) {
	if err := allowed(p, filing.ActExchangeExport); err != nil {
		return nil, err
	}
	key, err := s.exchangeKey()
	if err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*BatchView], error) {
		v, err := s.export(ctx, tx, p, in, key)
		if err != nil {
			return created[*BatchView]{}, err
		}
		return created[*BatchView]{v, "exchange/batches/" + v.Batch.BatchID, 0}, nil
	})
}

func (s *Service) export(ctx context.Context, tx *store.Tx, p filing.Principal, in ExportRequest, key []byte) (*BatchView, error) {
	if err := mayMove(p, in.Direction, true); err != nil {
		return nil, err
	}
	per, err := parsePeriod(in.Period)
	if err != nil {
		return nil, err
	}
	if in.Format == "" {
		in.Format = exchange.JSONL
	}
	if !exchange.ValidFormat(in.Format) {
		return nil, calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is jsonl, csv or xlsx"}})
	}
	prefix := prefixOf(p)
	now := s.now()
	today := filing.Today(now)
	var recs map[string][]exchange.Record
	if in.Direction == exchange.TaxToEnv {
		recs, err = s.taxRecords(tx, per, prefix, today)
	} else {
		recs, err = s.envRecords(tx, per, prefix)
	}
	if err != nil {
		return nil, err
	}
	for _, d := range exchange.Of(in.Direction) {
		if pr := Providers[d.Name]; pr != nil {
			if recs[d.Name], err = pr(tx, per, prefix); err != nil {
				return nil, err
			}
		}
	}
	id, err := batchID(in.Direction, per.Text, today)
	if err != nil {
		return nil, err
	}
	b, err := exchange.Build(exchange.Header{BatchID: id, Direction: in.Direction, Sender: p.Actor(), Period: per.Text,
		Region: p.Region, CreatedAt: now, Format: in.Format}, recs, key)
	if err != nil {
		return nil, err
	}
	return storeBatch(ctx, tx, p, b, "export", func(d *exchange.Dataset, r exchange.Record) (string, error) { return "exported", nil })
}

// storeBatch stores a verified or freshly built batch with an outcome per
// record, and audits it.
func storeBatch(ctx context.Context, tx *store.Tx, p filing.Principal, b *exchange.Batch, origin string,
	outcome func(d *exchange.Dataset, r exchange.Record) (string, error)) (*BatchView, error) {
	m := b.Manifest
	row := &store.XBatch{BatchID: m.BatchID, Direction: m.Direction, Origin: origin, Format: m.Format, Sender: m.Sender,
		Period: m.Period, Region: m.Region, ManifestSHA256: shaHex(b.Files[exchange.ManifestName]), CreatedBy: p.Actor()}
	var rows []store.XRecord
	for _, fe := range m.Files {
		d, _ := exchange.Lookup(fe.Dataset)
		for i, r := range b.Records[fe.Dataset] {
			out, err := outcome(d, r)
			if err != nil {
				return nil, err
			}
			rows = append(rows, store.XRecord{Dataset: d.Name, Line: i + 1, RecordKey: d.KeyOf(r), CreditCode: d.Field(r, "credit_code"),
				Region: d.Field(r, "region"), Payload: d.Payload(r), Outcome: out})
		}
	}
	if err := tx.InsertBatch(row, b.Files, rows); err != nil {
		return nil, err
	}
	act := filing.ActExchangeExport
	if origin == "import" {
		act = filing.ActExchangeImport
	}
	if err := audit(ctx, tx, p, act, "exchange_batch", m.BatchID, "", nil, row); err != nil {
		return nil, err
	}
	return batchViewOf(row, &m, rows)
}

func shaHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func batchViewOf(row *store.XBatch, m *exchange.Manifest, rows []store.XRecord) (*BatchView, error) {
	v := &BatchView{Batch: *row, Manifest: *m, Records: make([]RecordView, 0, len(rows))}
	for _, r := range rows {
		d, ok := exchange.Lookup(r.Dataset)
		if !ok {
			return nil, fmt.Errorf("stored record of unknown dataset %q", r.Dataset)
		}
		vals, err := d.Values(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("stored record %s:%d: %v", r.Dataset, r.Line, err)
		}
		v.Records = append(v.Records, RecordView{Dataset: r.Dataset, Line: r.Line, Key: r.RecordKey, Outcome: r.Outcome, Values: vals})
	}
	return v, nil
}

// taxRecords are the tax side's records of a period (法 第十五条第三款:
// 纳税申报、税款入库、减免税额、欠缴税款以及风险疑点), and the review requests.
func (s *Service) taxRecords(tx *store.Tx, per filing.Period, prefix string, today filing.Date) (map[string][]exchange.Record, error) {
	decls, err := tx.ExchangeDeclarations(per.Text, prefix)
	if err != nil {
		return nil, err
	}
	out := map[string][]exchange.Record{}
	revOf := map[int64]int{}
	for _, d := range decls {
		revOf[d.ID] = d.Revision
	}
	for _, x := range decls {
		f := exchange.Filed{Declaration: &x.Declaration, TaxpayerName: x.TaxpayerName, Region: x.TaxpayerRegion}
		if x.ReplacesID != nil {
			f.ReplacesRevision = revOf[*x.ReplacesID]
		}
		if err := exchange.FiledRows(out, f, today, s.t.Filing); err != nil {
			return nil, err
		}
	}
	flags, err := tx.ListFlags(store.FlagFilter{Period: per.Text, RegionPrefix: prefix})
	if err != nil {
		return nil, err
	}
	region := regionCache(tx)
	ds, _ := exchange.Lookup("risk_flags")
	seen := map[string]bool{}
	for _, f := range flags {
		r := ds.New(map[string]string{"credit_code": f.CreditCode, "period": f.Period, "outlet_no": f.OutletNo,
			"pollutant": f.Pollutant, "month": f.Month, "flag_code": f.Code, "detail": f.Message, "raised_on": string(f.RaisedOn)})
		if r[ds.Index("region")], err = region(f.CreditCode); err != nil {
			return nil, err
		}
		if k := ds.KeyOf(r); !seen[k] {
			seen[k] = true
			out["risk_flags"] = append(out["risk_flags"], r)
		}
	}
	reviews, err := tx.ListReviews(store.ReviewFilter{Period: per.Text, RegionPrefix: prefix, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	for i := range reviews {
		reg, err := region(reviews[i].CreditCode)
		if err != nil {
			return nil, err
		}
		out["review_requests"] = append(out["review_requests"], exchange.RequestRow(&reviews[i], reg))
	}
	if err := taxBasic(tx, out, per, prefix, decls, revOf); err != nil {
		return nil, err
	}
	for _, name := range []string{"declarations", "payments", "reductions", "arrears", "risk_flags", "review_requests"} {
		if out[name] == nil {
			out[name] = []exchange.Record{}
		}
	}
	return out, nil
}

// regionCache returns a function giving a taxpayer's region.
func regionCache(tx *store.Tx) func(code string) (string, error) {
	cache := map[string]string{}
	return func(code string) (string, error) {
		if r, ok := cache[code]; ok {
			return r, nil
		}
		t, err := tx.GetTaxpayer(code)
		if err != nil {
			return "", err
		}
		cache[code] = t.Region
		return t.Region, nil
	}
}

// envRecords are the environment side's records kept here: penalty
// records whose violation touches the period (every revision, oldest
// first) and the opinions given on the period's reviews.
func (s *Service) envRecords(tx *store.Tx, per filing.Period, prefix string) (map[string][]exchange.Record, error) {
	out := map[string][]exchange.Record{"penalties": {}, "review_opinions": {}, "review_corrections": {}, "error_notices": {}}
	if err := s.envBasic(tx, out, per, prefix); err != nil {
		return nil, err
	}
	region := regionCache(tx)
	pens, err := tx.ListPenalties(store.PenaltyFilter{RegionPrefix: prefix, From: filing.DateOf(per.Start()), To: filing.DateOf(per.End())})
	if err != nil {
		return nil, err
	}
	for _, p := range pens {
		reg, err := region(p.CreditCode)
		if err != nil {
			return nil, err
		}
		out["penalties"] = append(out["penalties"], exchange.PenaltyRows(p, reg)...)
	}
	reviews, err := tx.ListReviews(store.ReviewFilter{Period: per.Text, RegionPrefix: prefix, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	for i := range reviews {
		r := &reviews[i]
		if r.Status == exchange.ReviewOpen {
			continue
		}
		reg, err := region(r.CreditCode)
		if err != nil {
			return nil, err
		}
		op, corr := exchange.OpinionRows(r, reg)
		out["review_opinions"] = append(out["review_opinions"], op)
		out["review_corrections"] = append(out["review_corrections"], corr...)
		out["error_notices"] = append(out["error_notices"], exchange.NoticeRows(r, reg)...)
	}
	return out, nil
}

// refusal turns a batch refusal into an invalid problem naming the file.
func refusal(err error) error {
	var r *exchange.Refusal
	if errors.As(err, &r) {
		kind := calc.KindInvalid
		if r.Code == "missing_key" {
			kind = KindUnavailable
		}
		file := r.File
		if file == "" {
			file = "$"
		}
		return Fail(kind, "batch_refused", "批次被拒收", r.Error(), calc.FieldError{Path: file, Code: r.Code, Message: r.Msg})
	}
	return err
}

// ImportArchive is ImportBatch of a batch as a ZIP archive.
func (s *Service) ImportArchive(ctx context.Context, p filing.Principal, zip []byte) (*BatchView, error) {
	if err := allowed(p, filing.ActExchangeImport); err != nil {
		return nil, err
	}
	files, err := exchange.Unpack(zip)
	if err != nil {
		return nil, refusal(err)
	}
	return s.ImportBatch(ctx, p, files)
}

// ImportBatch verifies a batch completely (key, signature, every file's
// hash and content) and then, in one transaction, applies what it
// carries and stores it. The same batch again changes nothing; a batch
// with the same ID and another manifest, or a record that contradicts
// what is stored, refuses the whole batch.
func (s *Service) ImportBatch(ctx context.Context, p filing.Principal, files map[string][]byte) (*BatchView, error) {
	if err := allowed(p, filing.ActExchangeImport); err != nil {
		return nil, err
	}
	key, err := s.exchangeKey()
	if err != nil {
		return nil, err
	}
	b, err := exchange.Open(files, key)
	if err != nil {
		return nil, refusal(err)
	}
	m := b.Manifest
	if err := mayMove(p, m.Direction, false); err != nil {
		return nil, err
	}
	if p.Region != "" && !strings.HasPrefix(m.Region, calc.RegionPrefix(p.Region)) {
		return nil, Fail(KindForbidden, "outside_region", "超出管辖区域", fmt.Sprintf("the batch covers region %q, outside this token's region %s", m.Region, p.Region))
	}
	var view *BatchView
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		prev, err := tx.GetBatch(m.BatchID)
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.ManifestSHA256 != shaHex(files[exchange.ManifestName]) {
				return Fail(calc.KindConflict, "batch_id_reused", "批次编号已被使用", "batch "+m.BatchID+" is stored with another manifest; nothing was imported")
			}
			rows, err := tx.BatchRecords(prev.ID)
			if err != nil {
				return err
			}
			if view, err = batchViewOf(prev, &m, rows); err != nil {
				return err
			}
			view.AlreadyImported = true
			return nil
		}
		imp := &importer{s: s, ctx: ctx, tx: tx, p: p, b: b}
		if err := imp.prepare(); err != nil {
			return err
		}
		view, err = storeBatch(ctx, tx, p, b, "import", imp.apply)
		return err
	})
	return view, err
}

// importer applies the records of a verified batch.
type importer struct {
	s        *Service
	ctx      context.Context
	tx       *store.Tx
	p        filing.Principal
	b        *exchange.Batch
	outcomes map[string]string // dataset|key → outcome, filled by prepare
	reg      *registry
}

func rowErr(dataset string, line int, err error) error {
	var ce *calc.Error
	if errors.As(err, &ce) {
		out := *ce
		out.Detail = fmt.Sprintf("%s line %d: %s", dataset, line, ce.Detail)
		out.Errors = make([]calc.FieldError, len(ce.Errors))
		for i, fe := range ce.Errors {
			fe.Path = fmt.Sprintf("%s[%d].%s", dataset, line, fe.Path)
			out.Errors[i] = fe
		}
		if len(out.Errors) == 0 {
			out.Errors = []calc.FieldError{{Path: fmt.Sprintf("%s[%d]", dataset, line), Code: ce.Code, Message: ce.Detail}}
		}
		return &out
	}
	return err
}

func badRow(dataset string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return Fail(calc.KindInvalid, "batch_refused", "批次被拒收", fmt.Sprintf("%s line %d: %s", dataset, line, msg),
		calc.FieldError{Path: fmt.Sprintf("%s[%d]", dataset, line), Code: "content_invalid", Message: msg})
}

// prepare applies penalty records and review opinions in dependency
// order and notes each record's outcome; apply then reports them.
func (im *importer) prepare() error {
	im.outcomes = map[string]string{}
	if err := im.penalties(); err != nil {
		return err
	}
	if err := im.opinions(); err != nil {
		return err
	}
	return im.requests()
}

// via is the actor of what the import creates.
func (im *importer) via() string { return im.p.Actor() + " via " + im.b.Manifest.BatchID }

// requests opens, on the environment side, the reviews the tax side
// asked for, with the tax side's reference, receipt day and deadline, so
// that the opinion given here goes back under the same reference. A
// request whose taxpayer or outlet is not registered here is stored only.
func (im *importer) requests() error {
	d, _ := exchange.Lookup("review_requests")
	for i, rec := range im.b.Records["review_requests"] {
		key := d.Name + "|" + d.KeyOf(rec)
		r := exchange.RequestOf(rec, im.via())
		have, err := im.tx.GetReviewByRef(r.Ref)
		if err == nil {
			if !exchange.SameRequest(have, r) {
				return Fail(calc.KindConflict, "review_differs", "复核提请与已存记录不一致",
					fmt.Sprintf("review_requests line %d: review %s is stored with another address; nothing was imported", i+1, r.Ref))
			}
			im.outcomes[key] = "unchanged: review " + itoa(have.ID)
			continue
		}
		if out := im.notHere(r.CreditCode); out != "" {
			im.outcomes[key] = out
			continue
		}
		per, err := filing.ParsePeriod(r.Period)
		if err != nil || !exchange.CheckFlagCode(r.FlagCode) || r.Deadline < r.ReceivedOn || (r.Month != "" && !per.HasMonth(r.Month)) {
			return badRow(d.Name, i+1, "not a review request this service can open (period, month, flag code or dates)")
		}
		sources, err := im.tx.ListSources(r.CreditCode)
		if err != nil {
			return err
		}
		if err := exchange.ResolveAddress(r, sources); err != nil {
			im.outcomes[key] = "stored: the outlet or pollutant is not registered here"
			continue
		}
		if err := markDeclared(im.tx, r, sources); err != nil {
			return err
		}
		live, err := im.tx.LiveReview(r)
		if err != nil {
			return err
		}
		if live != nil {
			im.outcomes[key] = "stored: review " + itoa(live.ID) + " of this item is live here"
			continue
		}
		if err := im.tx.InsertReview(r); err != nil {
			return err
		}
		if err := audit(im.ctx, im.tx, im.p, filing.ActReviewOpen, "review", itoa(r.ID), r.CreditCode, nil, r); err != nil {
			return err
		}
		im.outcomes[key] = "created: review " + itoa(r.ID)
	}
	return nil
}

func (im *importer) apply(d *exchange.Dataset, r exchange.Record) (string, error) {
	if o, ok := im.outcomes[d.Name+"|"+d.KeyOf(r)]; ok {
		return o, nil
	}
	if basicDatasets[d.Name] {
		if im.reg == nil {
			im.reg = newRegistry(im.tx)
		}
		m, err := im.reg.match(d, r)
		if err != nil {
			return "", err
		}
		if m != nil {
			return m.outcome(), nil
		}
		return "matched", nil
	}
	return "stored", nil
}

// notHere says why a record of a taxpayer is only stored: the taxpayer
// is not registered here, or lies outside the importing principal's
// region (whatever region the batch claims). "" when it may be applied.
func (im *importer) notHere(code string) string {
	t, err := im.tx.GetTaxpayer(code)
	if err != nil {
		return "stored: taxpayer not registered here"
	}
	if !im.p.Sees(t.CreditCode, t.Region) {
		return "stored: taxpayer outside the importer's region"
	}
	return ""
}

type penaltyGroup struct {
	key   [4]string // credit_code, case_no, outlet_no, revision
	rev   int
	lines []int
	recs  []exchange.Record
}

func (im *importer) penalties() error {
	d, _ := exchange.Lookup("penalties")
	recs := im.b.Records["penalties"]
	groups := map[[4]string]*penaltyGroup{}
	var order []*penaltyGroup
	for i, r := range recs {
		k := [4]string{d.Get(r, "credit_code"), d.Get(r, "case_no"), d.Get(r, "outlet_no"), d.Get(r, "revision")}
		g := groups[k]
		if g == nil {
			rev, _ := strconv.Atoi(k[3])
			g = &penaltyGroup{key: k, rev: rev}
			groups[k] = g
			order = append(order, g)
		}
		g.lines, g.recs = append(g.lines, i+1), append(g.recs, r)
	}
	// Lower revisions first, so a revision finds the record it replaces.
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.key[0] != b.key[0] || a.key[1] != b.key[1] || a.key[2] != b.key[2] {
			return false
		}
		return a.rev < b.rev
	})
	for _, g := range order {
		out, err := im.penalty(d, g)
		if err != nil {
			return err
		}
		for _, r := range g.recs {
			im.outcomes[d.Name+"|"+d.KeyOf(r)] = out
		}
	}
	return nil
}

func (im *importer) penalty(d *exchange.Dataset, g *penaltyGroup) (string, error) {
	line := g.lines[0]
	first := g.recs[0]
	if out := im.notHere(g.key[0]); out != "" {
		return out, nil
	}
	in := &PenaltyInput{CaseNo: g.key[1], OutletNo: g.key[2], CaseCode: d.Get(first, "case_code"),
		PeriodFrom: filing.Date(d.Get(first, "period_from")), PeriodTo: filing.Date(d.Get(first, "period_to")),
		DecidedOn: filing.Date(d.Get(first, "decided_on")), Note: d.Get(first, "note")}
	seen := map[string]bool{}
	for i, r := range g.recs {
		for _, f := range []string{"case_code", "period_from", "period_to", "decided_on", "note"} {
			if d.Get(r, f) != d.Get(first, f) {
				return "", badRow(d.Name, g.lines[i], "%s differs from line %d of the same record", f, line)
			}
		}
		name := d.Get(r, "pollutant")
		if !seen[name] {
			seen[name] = true
			in.Pollutants = append(in.Pollutants, name)
		}
		month, kg := d.Get(r, "month"), d.Get(r, "generated_kg")
		if (month == "") != (kg == "") {
			return "", badRow(d.Name, g.lines[i], "month and generated_kg come together")
		}
		if kg != "" {
			v, err := decimal.NewFromString(kg)
			if err != nil || v.Sign() < 0 {
				return "", badRow(d.Name, g.lines[i], "generated_kg %q is not a non-negative decimal", kg)
			}
			in.Generated = append(in.Generated, GeneratedInput{Pollutant: name, Month: month, GeneratedKg: decimal.NullDecimal{Decimal: v, Valid: true}})
		}
	}
	pen := penaltyOf(in, g.key[0], im.via())
	pen.Revision = g.rev
	have, err := im.tx.FindPenalty(g.key[0], g.key[1], g.key[2], g.rev)
	if err != nil {
		return "", err
	}
	if have != nil {
		if !exchange.SamePenalty(have, pen) {
			return "", Fail(calc.KindConflict, "penalty_differs", "处罚记录与已存记录不一致",
				fmt.Sprintf("penalties line %d: %s %s revision %d is stored (record %d) with other content; nothing was imported", line, g.key[1], g.key[2], g.rev, have.ID))
		}
		return "unchanged: penalty " + itoa(have.ID), nil
	}
	if g.rev > 1 {
		prev, err := im.tx.FindPenalty(g.key[0], g.key[1], g.key[2], g.rev-1)
		if err != nil {
			return "", err
		}
		if prev == nil {
			return "", badRow(d.Name, line, "revision %d of %s %s without revision %d", g.rev, g.key[1], g.key[2], g.rev-1)
		}
		pen.ReplacesID = &prev.ID
	}
	if err := im.s.storePenalty(im.tx, pen, in.Generated); err != nil {
		return "", rowErr(d.Name, line, err)
	}
	if err := audit(im.ctx, im.tx, im.p, filing.ActPenaltyRecord, "penalty", itoa(pen.ID), pen.CreditCode, nil, pen); err != nil {
		return "", err
	}
	return "created: penalty " + itoa(pen.ID), nil
}

func (im *importer) opinions() error {
	od, _ := exchange.Lookup("review_opinions")
	cd, _ := exchange.Lookup("review_corrections")
	corr := map[string][]exchange.FigureInput{}
	corrLine := map[string]int{}
	for i, r := range im.b.Records["review_corrections"] {
		ref := cd.Get(r, "review_ref")
		k := exchange.FigureInput{OutletNo: cd.Get(r, "outlet_no"), Pollutant: cd.Get(r, "pollutant"), Month: cd.Get(r, "month")}
		for _, f := range []struct {
			dst  *decimal.NullDecimal
			name string
		}{{&k.EmissionKg, "emission_kg"}, {&k.WastewaterT, "wastewater_t"}, {&k.AvgConcentration, "avg_concentration"}, {&k.MaxConcentration, "max_concentration"}} {
			if v := cd.Get(r, f.name); v != "" {
				x, err := decimal.NewFromString(v)
				if err != nil || x.Sign() < 0 {
					return badRow(cd.Name, i+1, "%s %q is not a non-negative decimal", f.name, v)
				}
				*f.dst = decimal.NullDecimal{Decimal: x, Valid: true}
			}
		}
		corr[ref] = append(corr[ref], k)
		if _, ok := corrLine[ref]; !ok {
			corrLine[ref] = i + 1
		}
	}
	answered := map[string]bool{}
	for i, r := range im.b.Records["review_opinions"] {
		ref := od.Get(r, "review_ref")
		answered[ref] = true
		key := od.Name + "|" + od.KeyOf(r)
		rv, err := im.tx.GetReviewByRef(ref)
		if err != nil {
			im.outcomes[key] = "stored: no such review here"
			continue
		}
		if out := im.notHere(rv.CreditCode); out != "" {
			im.outcomes[key] = out
			continue
		}
		if rv.CreditCode != od.Get(r, "credit_code") {
			return badRow(od.Name, i+1, "review %s is of taxpayer %s, not %s", ref, rv.CreditCode, od.Get(r, "credit_code"))
		}
		a := exchange.Answer{Opinion: od.Get(r, "opinion"), Note: od.Get(r, "note"), Corrections: corr[ref]}
		on := filing.Date(od.Get(r, "answered_on"))
		if rv.Status != exchange.ReviewOpen {
			if !exchange.SameAnswer(rv, a, on) {
				return Fail(calc.KindConflict, "review_differs", "复核意见与已存意见不一致",
					fmt.Sprintf("review_opinions line %d: review %s already has another opinion; nothing was imported", i+1, ref))
			}
			im.outcomes[key] = "unchanged: review " + itoa(rv.ID)
			continue
		}
		before := *rv
		if err := answer(im.tx, rv, rv.Version, a, on, im.via()); err != nil {
			return rowErr(od.Name, i+1, err)
		}
		if err := audit(im.ctx, im.tx, im.p, filing.ActReviewAnswer, "review", itoa(rv.ID), rv.CreditCode, &before, rv); err != nil {
			return err
		}
		im.outcomes[key] = "answered: review " + itoa(rv.ID)
		for _, c := range im.b.Records["review_corrections"] {
			if cd.Get(c, "review_ref") == ref {
				im.outcomes[cd.Name+"|"+cd.KeyOf(c)] = "applied to review " + itoa(rv.ID)
			}
		}
	}
	for ref, line := range corrLine {
		if !answered[ref] {
			return badRow(cd.Name, line, "corrected figures of review %s without its opinion in the batch", ref)
		}
	}
	return nil
}

// Batch reads a stored batch the principal may see (an officer bound to
// a region: batches of that region).
func (s *Service) Batch(ctx context.Context, p filing.Principal, id string) (*BatchView, error) {
	if err := allowed(p, filing.ActExchangeRead); err != nil {
		return nil, err
	}
	var v *BatchView
	err := s.store.View(ctx, func(tx *store.Tx) error {
		b, err := batchOf(tx, p, id)
		if err != nil {
			return err
		}
		files, err := tx.BatchFiles(b.ID)
		if err != nil {
			return err
		}
		m, err := exchange.ParseManifest(files[exchange.ManifestName])
		if err != nil {
			return err
		}
		rows, err := tx.BatchRecords(b.ID)
		if err != nil {
			return err
		}
		v, err = batchViewOf(b, m, rows)
		return err
	})
	return v, err
}

// BatchFiles reads the files of a stored batch the principal may see,
// byte for byte what was made or received, with the batch's ID.
func (s *Service) BatchFiles(ctx context.Context, p filing.Principal, id string) (string, map[string][]byte, error) {
	if err := allowed(p, filing.ActExchangeRead); err != nil {
		return "", nil, err
	}
	var files map[string][]byte
	err := s.store.View(ctx, func(tx *store.Tx) error {
		b, err := batchOf(tx, p, id)
		if err != nil {
			return err
		}
		id = b.BatchID
		files, err = tx.BatchFiles(b.ID)
		return err
	})
	return id, files, err
}

func batchOf(tx *store.Tx, p filing.Principal, id string) (*store.XBatch, error) {
	b, err := tx.GetBatch(id)
	if err != nil {
		return nil, err
	}
	if b == nil || (p.Region != "" && !strings.HasPrefix(b.Region, calc.RegionPrefix(p.Region))) {
		return nil, Fail(calc.KindNotFound, "batch_not_found", "批次不存在", "no batch "+id+" visible to this token")
	}
	return b, nil
}

// Batches lists the stored batches the principal may see, of one
// direction ("" = both), newest first, at most limit.
func (s *Service) Batches(ctx context.Context, p filing.Principal, direction string, limit int) ([]store.XBatch, error) {
	if err := allowed(p, filing.ActExchangeRead); err != nil {
		return nil, err
	}
	if err := CheckDirection(direction); err != nil {
		return nil, err
	}
	var list []store.XBatch
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListBatches(direction, prefixOf(p), limit)
		return err
	})
	return list, err
}
