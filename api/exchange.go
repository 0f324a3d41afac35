package api

// The tax–environment exchange (涉税信息共享, 环境保护税法 第十五条): signed
// batches both ways. The tax side exports declarations, payments,
// reductions, arrears, risk flags and review requests; the environment
// side exports penalty records and review opinions (permits and
// monitoring summaries have no source in this service yet: see the
// providers below). Importing verifies the batch completely before
// anything is stored, applies penalty records and review opinions, keeps
// every file byte for byte, and changes nothing the second time.
// See docs/exchange.md.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

const mimeZip = "application/zip"

// Provider supplies the records of a dataset this service does not keep
// itself (permits, monitoring summaries). A nil provider leaves the
// dataset out of the batches; the seam is here so that a later module
// registers one without touching the exchange.
type Provider func(tx *store.Tx, per filing.Period, regionPrefix string) ([]exchange.Record, error)

// Providers by dataset name, for the datasets below that have none.
var Providers = map[string]Provider{}

// ExportRequest is what a batch covers.
type ExportRequest struct {
	Direction string `json:"direction"`
	Period    string `json:"period"`
	Format    string `json:"format"`
}

// BatchView is a stored batch as the API shows it: its row, its manifest
// and its records, each with what the import did.
type BatchView struct {
	Batch    store.XBatch      `json:"batch"`
	Manifest exchange.Manifest `json:"manifest"`
	Records  []recordView      `json:"records"`
	// AlreadyImported: the same batch was stored before; nothing changed.
	AlreadyImported bool `json:"already_imported,omitempty"`
}

type recordView struct {
	Dataset string             `json:"dataset"`
	Line    int                `json:"line"`
	Key     string             `json:"key"`
	Outcome string             `json:"outcome"`
	Values  map[string]*string `json:"values"`
}

func (s *Server) exchangeKey() ([]byte, error) {
	if err := exchange.CheckKey(s.cfg.ExchangeKey); err != nil {
		return nil, apiError(kindUnavailable, "exchange_key_missing", "未配置信息交换密钥", err.Error()+"; set ECOTAX_EXCHANGE_KEY on the server")
	}
	return s.cfg.ExchangeKey, nil
}

// mayMove checks the principal may export (or import) a direction: each
// bureau sends its own data and reads the other's.
func mayMove(p filing.Principal, direction string, export bool) error {
	if direction != exchange.TaxToEnv && direction != exchange.EnvToTax {
		return calc.Invalid([]calc.FieldError{{Path: "direction", Code: "invalid_value", Message: "direction is tax_to_env or env_to_tax"}})
	}
	own := map[filing.Role]string{filing.RoleTaxOfficer: exchange.TaxToEnv, filing.RoleEnvOfficer: exchange.EnvToTax}[p.Role]
	ok := p.Role == filing.RoleAdmin || (export && own == direction) || (!export && own != "" && own != direction)
	if !ok {
		verb := "export"
		if !export {
			verb = "import"
		}
		return apiError(calc.KindForbidden, "forbidden", "无权执行该操作", fmt.Sprintf("role %s may not %s %s batches", p.Role, verb, direction))
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

// ExportBatch gathers the records of a direction for a period in the
// principal's region, signs them as a batch and stores it (origin
// export). The CLI calls it with an operator principal.
func (s *Server) ExportBatch(ctx context.Context, p filing.Principal, requestID string, in ExportRequest) (*BatchView, error) {
	key, err := s.exchangeKey()
	if err != nil {
		return nil, err
	}
	var view *BatchView
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		view, err = s.exportIn(tx, p, requestID, in, key)
		return err
	})
	return view, err
}

func (s *Server) exportIn(tx *store.Tx, p filing.Principal, requestID string, in ExportRequest, key []byte) (*BatchView, error) {
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
	prefix := ""
	if p.Region != "" {
		prefix = filing.RegionPrefix(p.Region)
	}
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
	return s.storeBatch(tx, p, requestID, b, "export", func(d *exchange.Dataset, r exchange.Record) (string, error) { return "exported", nil })
}

// storeBatch stores a verified or freshly built batch with an outcome per
// record, and audits it.
func (s *Server) storeBatch(tx *store.Tx, p filing.Principal, requestID string, b *exchange.Batch, origin string,
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
			rows = append(rows, store.XRecord{Dataset: d.Name, Line: i + 1, RecordKey: d.KeyOf(r), CreditCode: field(d, r, "credit_code"),
				Region: field(d, r, "region"), Payload: payload(d, r), Outcome: out})
		}
	}
	if err := tx.InsertBatch(row, b.Files, rows); err != nil {
		return nil, err
	}
	act := filing.ActExchangeExport
	if origin == "import" {
		act = filing.ActExchangeImport
	}
	if err := tx.Audit(&filing.AuditEntry{Actor: p.Actor(), TokenID: p.TokenID, Action: string(act), Entity: "exchange_batch",
		EntityID: m.BatchID, RequestID: requestID}, nil, row); err != nil {
		return nil, err
	}
	return batchViewOf(row, &m, rows)
}

func shaHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func field(d *exchange.Dataset, r exchange.Record, name string) string {
	if i := d.Index(name); i >= 0 {
		return r[i]
	}
	return ""
}

// payload is the record as one JSON Lines object (without the newline).
func payload(d *exchange.Dataset, r exchange.Record) string {
	b, _ := exchange.Encode(d, exchange.JSONL, []exchange.Record{r}) // checked when the batch was built or read
	return strings.TrimSuffix(string(b), "\n")
}

func batchViewOf(row *store.XBatch, m *exchange.Manifest, rows []store.XRecord) (*BatchView, error) {
	v := &BatchView{Batch: *row, Manifest: *m, Records: make([]recordView, 0, len(rows))}
	for _, r := range rows {
		d, ok := exchange.Lookup(r.Dataset)
		if !ok {
			return nil, fmt.Errorf("stored record of unknown dataset %q", r.Dataset)
		}
		recs, err := exchange.Decode(d, exchange.JSONL, []byte(r.Payload+"\n"))
		if err != nil || len(recs) != 1 {
			return nil, fmt.Errorf("stored record %s:%d: %v", r.Dataset, r.Line, err)
		}
		vals := make(map[string]*string, len(d.Fields))
		for i, f := range d.Fields {
			if v := recs[0][i]; v != "" {
				vals[f.Name] = &v
			} else {
				vals[f.Name] = nil
			}
		}
		v.Records = append(v.Records, recordView{Dataset: r.Dataset, Line: r.Line, Key: r.RecordKey, Outcome: r.Outcome, Values: vals})
	}
	return v, nil
}

// taxRecords are the tax side's records of a period (法 第十五条第三款:
// 纳税申报、税款入库、减免税额、欠缴税款以及风险疑点), and the review requests.
func (s *Server) taxRecords(tx *store.Tx, per filing.Period, prefix string, today filing.Date) (map[string][]exchange.Record, error) {
	decls, err := tx.ExchangeDeclarations(per.Text, prefix)
	if err != nil {
		return nil, err
	}
	ds := func(name string) *exchange.Dataset { d, _ := exchange.Lookup(name); return d }
	out := map[string][]exchange.Record{}
	revOf := map[int64]int{}
	for _, d := range decls {
		revOf[d.ID] = d.Revision
	}
	for _, x := range decls {
		d := &x.Declaration
		rev := strconv.Itoa(d.Revision)
		replaces := ""
		if d.ReplacesID != nil {
			replaces = strconv.Itoa(revOf[*d.ReplacesID])
		}
		submitted := ""
		if d.SubmittedAt != nil {
			submitted = string(filing.Today(*d.SubmittedAt))
		}
		out["declarations"] = append(out["declarations"], ds("declarations").New(map[string]string{
			"credit_code": d.CreditCode, "taxpayer_name": x.TaxpayerName, "region": x.TaxpayerRegion, "period": d.Period,
			"revision": rev, "replaces_revision": replaces, "status": string(d.Status), "deadline": string(d.Deadline),
			"submitted_on": submitted, "total_tax_due": d.TotalTaxDue.String(), "total_reduction": d.TotalReduction.String(),
			"total_tax": d.TotalTax.String(), "previous_tax": d.PreviousTax.String(), "tax_difference": d.TaxDifference.String()}))
		if d.PaidOn != "" {
			out["payments"] = append(out["payments"], ds("payments").New(map[string]string{"credit_code": d.CreditCode,
				"region": x.TaxpayerRegion, "period": d.Period, "revision": rev, "paid_on": string(d.PaidOn), "amount": d.PaidAmount.String()}))
		}
		lines, err := reductionLines(d.Assessment)
		if err != nil {
			return nil, fmt.Errorf("declaration %d: %w", d.ID, err)
		}
		for _, l := range lines {
			out["reductions"] = append(out["reductions"], ds("reductions").New(map[string]string{"credit_code": d.CreditCode,
				"region": x.TaxpayerRegion, "period": d.Period, "revision": rev, "month": l.Month, "outlet_no": l.Source,
				"pollutant": l.Pollutant, "reduction_factor": string(l.ReductionFactor), "tax_due": string(l.TaxDue),
				"reduction": string(l.Reduction), "tax": string(l.Tax)}))
		}
		// 欠缴: what the revision asks, less what was paid, once its deadline passed.
		owed := d.Owed()
		paid := decimal.Zero
		if d.PaidAmount.Valid {
			paid = d.PaidAmount.Decimal
		}
		unpaid := owed.Sub(paid)
		if unpaid.Sign() > 0 && today > d.Deadline {
			through, isPaid := today, false
			if d.PaidOn != "" {
				through, isPaid = d.PaidOn, true
			}
			sc, err := s.filing.SurchargeOf(unpaid, d.Deadline, through, isPaid)
			if err != nil {
				return nil, err
			}
			out["arrears"] = append(out["arrears"], ds("arrears").New(map[string]string{"credit_code": d.CreditCode,
				"region": x.TaxpayerRegion, "period": d.Period, "revision": rev, "deadline": string(d.Deadline),
				"owed": param.MoneyText(owed), "paid_amount": d.PaidAmount.String(), "unpaid": param.MoneyText(unpaid),
				"days_late": strconv.Itoa(sc.Days), "surcharge": sc.Amount.String(), "as_of": string(today)}))
		}
	}
	flags, err := tx.ListFlags(store.FlagFilter{Period: per.Text, RegionPrefix: prefix})
	if err != nil {
		return nil, err
	}
	region := regionCache(tx)
	seen := map[string]bool{}
	for _, f := range flags {
		r := ds("risk_flags").New(map[string]string{"credit_code": f.CreditCode, "period": f.Period, "outlet_no": f.OutletNo,
			"pollutant": f.Pollutant, "month": f.Month, "flag_code": f.Code, "detail": f.Message, "raised_on": string(f.RaisedOn)})
		if r[ds("risk_flags").Index("region")], err = region(f.CreditCode); err != nil {
			return nil, err
		}
		if k := ds("risk_flags").KeyOf(r); !seen[k] {
			seen[k] = true
			out["risk_flags"] = append(out["risk_flags"], r)
		}
	}
	reviews, err := tx.ListReviews(store.ReviewFilter{Period: per.Text, RegionPrefix: prefix, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	for _, r := range reviews {
		reg, err := region(r.CreditCode)
		if err != nil {
			return nil, err
		}
		out["review_requests"] = append(out["review_requests"], ds("review_requests").New(map[string]string{"review_ref": r.Ref,
			"credit_code": r.CreditCode, "region": reg, "period": r.Period, "outlet_no": r.OutletNo, "pollutant": r.Pollutant,
			"month": r.Month, "flag_code": r.FlagCode, "reason": r.Reason, "received_on": string(r.ReceivedOn), "deadline": string(r.Deadline)}))
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

// xchNum is a number of a stored assessment, kept as its text.
type xchNum string

func (n *xchNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = ""
		return nil
	}
	*n = xchNum(strings.Trim(string(b), `"`))
	return nil
}

type xchLine struct {
	Source          string `json:"source"`
	Month           string `json:"month"`
	Pollutant       string `json:"pollutant"`
	ReductionFactor xchNum `json:"reduction_factor"`
	TaxDue          xchNum `json:"tax_due"`
	Reduction       xchNum `json:"reduction"`
	Tax             xchNum `json:"tax"`
}

// reductionLines are the lines of a stored assessment with a reduction.
func reductionLines(assessment filing.RawJSON) ([]xchLine, error) {
	if len(assessment) == 0 {
		return nil, nil
	}
	var res struct {
		Lines []xchLine `json:"lines"`
	}
	dec := json.NewDecoder(bytes.NewReader(assessment))
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	var out []xchLine
	for _, l := range res.Lines {
		r, err := decimal.NewFromString(string(l.Reduction))
		if err == nil && r.Sign() > 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// envRecords are the environment side's records kept here: penalty
// records whose violation touches the period (every revision, oldest
// first) and the opinions given on the period's reviews.
func (s *Server) envRecords(tx *store.Tx, per filing.Period, prefix string) (map[string][]exchange.Record, error) {
	ds := func(name string) *exchange.Dataset { d, _ := exchange.Lookup(name); return d }
	out := map[string][]exchange.Record{"penalties": {}, "review_opinions": {}, "review_corrections": {}}
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
		base := map[string]string{"credit_code": p.CreditCode, "region": reg, "case_no": p.CaseNo, "outlet_no": p.OutletNo,
			"revision": strconv.Itoa(p.Revision), "case_code": p.CaseCode, "period_from": string(p.PeriodFrom),
			"period_to": string(p.PeriodTo), "decided_on": string(p.DecidedOn), "note": p.Note}
		for _, name := range p.Pollutants {
			n := 0
			for _, g := range p.Generated {
				if g.Pollutant != name {
					continue
				}
				row := copyMap(base)
				row["pollutant"], row["month"], row["generated_kg"] = name, g.Month, g.GeneratedKg.String()
				out["penalties"] = append(out["penalties"], ds("penalties").New(row))
				n++
			}
			if n == 0 {
				row := copyMap(base)
				row["pollutant"] = name
				out["penalties"] = append(out["penalties"], ds("penalties").New(row))
			}
		}
	}
	reviews, err := tx.ListReviews(store.ReviewFilter{Period: per.Text, RegionPrefix: prefix, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	for _, r := range reviews {
		if r.Status == exchange.ReviewOpen {
			continue
		}
		reg, err := region(r.CreditCode)
		if err != nil {
			return nil, err
		}
		out["review_opinions"] = append(out["review_opinions"], ds("review_opinions").New(map[string]string{"review_ref": r.Ref,
			"credit_code": r.CreditCode, "region": reg, "opinion": *r.Opinion, "note": r.OpinionNote, "answered_on": string(r.AnsweredOn)}))
		for _, k := range r.Corrections {
			out["review_corrections"] = append(out["review_corrections"], ds("review_corrections").New(map[string]string{
				"review_ref": r.Ref, "outlet_no": k.OutletNo, "pollutant": k.Pollutant, "month": k.Month,
				"emission_kg": nullText(k.EmissionKg), "wastewater_t": nullText(k.WastewaterT),
				"avg_concentration": nullText(k.AvgConcentration), "max_concentration": nullText(k.MaxConcentration)}))
		}
	}
	return out, nil
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+3)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nullText(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// refusal turns a batch refusal into a 400 problem naming the file.
func refusal(err error) error {
	var r *exchange.Refusal
	if errors.As(err, &r) {
		kind := calc.KindInvalid
		if r.Code == "missing_key" {
			kind = kindUnavailable
		}
		return apiError(kind, "batch_refused", "批次被拒收", r.Error(), calc.FieldError{Path: orDollar(r.File), Code: r.Code, Message: r.Msg})
	}
	return err
}

func orDollar(s string) string {
	if s == "" {
		return "$"
	}
	return s
}

// ImportBatch verifies a batch completely (key, signature, every file's
// hash and content) and then, in one transaction, applies what it
// carries and stores it. The same batch again changes nothing; a batch
// with the same ID and another manifest, or a record that contradicts
// what is stored, refuses the whole batch.
func (s *Server) ImportBatch(ctx context.Context, p filing.Principal, requestID string, files map[string][]byte) (*BatchView, error) {
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
	if p.Region != "" && !strings.HasPrefix(m.Region, filing.RegionPrefix(p.Region)) {
		return nil, apiError(calc.KindForbidden, "outside_region", "超出管辖区域", fmt.Sprintf("the batch covers region %q, outside this token's region %s", m.Region, p.Region))
	}
	var view *BatchView
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		prev, err := tx.GetBatch(m.BatchID)
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.ManifestSHA256 != shaHex(files[exchange.ManifestName]) {
				return apiError(calc.KindConflict, "batch_id_reused", "批次编号已被使用", "batch "+m.BatchID+" is stored with another manifest; nothing was imported")
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
		imp := &importer{s: s, tx: tx, p: p, b: b}
		if err := imp.prepare(); err != nil {
			return err
		}
		view, err = s.storeBatch(tx, p, requestID, b, "import", imp.apply)
		return err
	})
	return view, err
}

// importer applies the records of a verified batch.
type importer struct {
	s        *Server
	tx       *store.Tx
	p        filing.Principal
	b        *exchange.Batch
	outcomes map[string]string // dataset|key → outcome, filled by prepare
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
	return apiError(calc.KindInvalid, "batch_refused", "批次被拒收", fmt.Sprintf("%s line %d: %s", dataset, line, msg),
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

// requests opens, on the environment side, the reviews the tax side
// asked for, with the tax side's reference, receipt day and deadline, so
// that the opinion given here goes back under the same reference. A
// request whose taxpayer or outlet is not registered here is stored only.
func (im *importer) requests() error {
	d, _ := exchange.Lookup("review_requests")
	for i, rec := range im.b.Records["review_requests"] {
		key := d.Name + "|" + d.KeyOf(rec)
		r := &exchange.Review{Ref: d.Get(rec, "review_ref"), CreditCode: d.Get(rec, "credit_code"), Period: d.Get(rec, "period"),
			OutletNo: d.Get(rec, "outlet_no"), Pollutant: d.Get(rec, "pollutant"), Month: d.Get(rec, "month"),
			FlagCode: d.Get(rec, "flag_code"), Reason: d.Get(rec, "reason"), ReceivedOn: filing.Date(d.Get(rec, "received_on")),
			Deadline: filing.Date(d.Get(rec, "deadline")), OpenedBy: im.p.Actor() + " via " + im.b.Manifest.BatchID}
		have, err := im.tx.GetReviewByRef(r.Ref)
		if err == nil {
			if have.CreditCode != r.CreditCode || have.Period != r.Period || have.OutletNo != r.OutletNo || have.Pollutant != r.Pollutant ||
				have.Month != r.Month || have.FlagCode != r.FlagCode || have.Reason != r.Reason || have.ReceivedOn != r.ReceivedOn || have.Deadline != r.Deadline {
				return apiError(calc.KindConflict, "review_differs", "复核提请与已存记录不一致",
					fmt.Sprintf("review_requests line %d: review %s is stored with another address; nothing was imported", i+1, r.Ref))
			}
			im.outcomes[key] = "unchanged: review " + strconv.FormatInt(have.ID, 10)
			continue
		}
		if out := im.notHere(r.CreditCode); out != "" {
			im.outcomes[key] = out
			continue
		}
		per, err := filing.ParsePeriod(r.Period)
		if err != nil || !checkFlagCode(r.FlagCode) || r.Deadline < r.ReceivedOn || (r.Month != "" && !per.Contains(r.Month)) {
			return badRow(d.Name, i+1, "not a review request this service can open (period, month, flag code or dates)")
		}
		sources, err := im.tx.ListSources(r.CreditCode)
		if err != nil {
			return err
		}
		if err := resolveAddress(r, sources); err != nil {
			im.outcomes[key] = "stored: the outlet or pollutant is not registered here"
			continue
		}
		if err := im.s.checkDeclared(im.tx, r, sources); err != nil {
			return err
		}
		live, err := im.tx.LiveReview(r)
		if err != nil {
			return err
		}
		if live != nil {
			im.outcomes[key] = "stored: review " + strconv.FormatInt(live.ID, 10) + " of this item is live here"
			continue
		}
		if err := im.tx.InsertReview(r); err != nil {
			return err
		}
		if err := im.tx.Audit(&filing.AuditEntry{Actor: im.p.Actor(), TokenID: im.p.TokenID, Action: string(filing.ActReviewOpen),
			Entity: "review", EntityID: strconv.FormatInt(r.ID, 10), CreditCode: r.CreditCode}, nil, r); err != nil {
			return err
		}
		im.outcomes[key] = "created: review " + strconv.FormatInt(r.ID, 10)
	}
	return nil
}

func (im *importer) apply(d *exchange.Dataset, r exchange.Record) (string, error) {
	if o, ok := im.outcomes[d.Name+"|"+d.KeyOf(r)]; ok {
		return o, nil
	}
	return "stored", nil
}

// notHere says why a record of a taxpayer is only stored: the taxpayer
// is not registered here, or lies outside the importing token's region
// (whatever region the batch claims). "" when it may be applied.
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
	in := &penaltyInput{CaseNo: g.key[1], OutletNo: g.key[2], CaseCode: d.Get(first, "case_code"),
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
			in.Generated = append(in.Generated, generatedInput{Pollutant: name, Month: month, GeneratedKg: decimal.NullDecimal{Decimal: v, Valid: true}})
		}
	}
	pen := penaltyFromInput(in, g.key[0], im.p.Actor()+" via "+im.b.Manifest.BatchID)
	pen.Revision = g.rev
	have, err := im.tx.FindPenalty(g.key[0], g.key[1], g.key[2], g.rev)
	if err != nil {
		return "", err
	}
	if have != nil {
		if !samePenalty(have, pen) {
			return "", apiError(calc.KindConflict, "penalty_differs", "处罚记录与已存记录不一致",
				fmt.Sprintf("penalties line %d: %s %s revision %d is stored (record %d) with other content; nothing was imported", line, g.key[1], g.key[2], g.rev, have.ID))
		}
		return "unchanged: penalty " + strconv.FormatInt(have.ID, 10), nil
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
	if err := im.s.recordPenalty(im.tx, pen, in.Generated); err != nil {
		return "", rowErr(d.Name, line, err)
	}
	if err := im.tx.Audit(&filing.AuditEntry{Actor: im.p.Actor(), TokenID: im.p.TokenID, Action: string(filing.ActPenaltyRecord),
		Entity: "penalty", EntityID: strconv.FormatInt(pen.ID, 10), CreditCode: pen.CreditCode}, nil, pen); err != nil {
		return "", err
	}
	return "created: penalty " + strconv.FormatInt(pen.ID, 10), nil
}

func samePenalty(a, b *exchange.Penalty) bool {
	if a.CaseCode != b.CaseCode || a.PeriodFrom != b.PeriodFrom || a.PeriodTo != b.PeriodTo || a.DecidedOn != b.DecidedOn || a.Note != b.Note {
		return false
	}
	ap, bp := append([]string(nil), a.Pollutants...), append([]string(nil), b.Pollutants...)
	sort.Strings(ap)
	sort.Strings(bp)
	if strings.Join(ap, "\x00") != strings.Join(bp, "\x00") || len(a.Generated) != len(b.Generated) {
		return false
	}
	gen := map[string]decimal.Decimal{}
	for _, g := range a.Generated {
		gen[g.Pollutant+"|"+g.Month] = g.GeneratedKg
	}
	for _, g := range b.Generated {
		if v, ok := gen[g.Pollutant+"|"+g.Month]; !ok || !v.Equal(g.GeneratedKg) {
			return false
		}
	}
	return true
}

func (im *importer) opinions() error {
	od, _ := exchange.Lookup("review_opinions")
	cd, _ := exchange.Lookup("review_corrections")
	corr := map[string][]reviewFigureInput{}
	corrLine := map[string]int{}
	for i, r := range im.b.Records["review_corrections"] {
		ref := cd.Get(r, "review_ref")
		k := reviewFigureInput{OutletNo: cd.Get(r, "outlet_no"), Pollutant: cd.Get(r, "pollutant"), Month: cd.Get(r, "month")}
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
		in := answerInput{Opinion: od.Get(r, "opinion"), Note: od.Get(r, "note"), Corrections: corr[ref]}
		if rv.Status != exchange.ReviewOpen {
			if !sameAnswer(rv, in, filing.Date(od.Get(r, "answered_on"))) {
				return apiError(calc.KindConflict, "review_differs", "复核意见与已存意见不一致",
					fmt.Sprintf("review_opinions line %d: review %s already has another opinion; nothing was imported", i+1, ref))
			}
			im.outcomes[key] = "unchanged: review " + strconv.FormatInt(rv.ID, 10)
			continue
		}
		before := *rv
		if err := im.s.answer(im.tx, rv, rv.Version, in, filing.Date(od.Get(r, "answered_on")), im.p.Actor()+" via "+im.b.Manifest.BatchID); err != nil {
			return rowErr(od.Name, i+1, err)
		}
		if err := im.tx.Audit(&filing.AuditEntry{Actor: im.p.Actor(), TokenID: im.p.TokenID, Action: string(filing.ActReviewAnswer),
			Entity: "review", EntityID: strconv.FormatInt(rv.ID, 10), CreditCode: rv.CreditCode}, &before, rv); err != nil {
			return err
		}
		im.outcomes[key] = "answered: review " + strconv.FormatInt(rv.ID, 10)
		for _, c := range im.b.Records["review_corrections"] {
			if cd.Get(c, "review_ref") == ref {
				im.outcomes[cd.Name+"|"+cd.KeyOf(c)] = "applied to review " + strconv.FormatInt(rv.ID, 10)
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

// sameAnswer: the stored opinion equals the batch's.
func sameAnswer(r *exchange.Review, in answerInput, on filing.Date) bool {
	if r.Opinion == nil || *r.Opinion != in.Opinion || r.OpinionNote != in.Note || r.AnsweredOn != on || len(r.Corrections) != len(in.Corrections) {
		return false
	}
	for _, k := range in.Corrections {
		found := false
		for _, c := range r.Corrections {
			if c.OutletNo == k.OutletNo && c.Pollutant == k.Pollutant && c.Month == k.Month && sameND(c.EmissionKg, k.EmissionKg) &&
				sameND(c.WastewaterT, k.WastewaterT) && sameND(c.AvgConcentration, k.AvgConcentration) && sameND(c.MaxConcentration, k.MaxConcentration) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sameND(a, b decimal.NullDecimal) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Decimal.Equal(b.Decimal))
}

// HTTP handlers.

func (s *Server) exportExchange(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeExport)
	if err != nil {
		return err
	}
	var in ExportRequest
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	key, err := s.exchangeKey()
	if err != nil {
		return err
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		v, err := s.exportIn(tx, p, requestID(c), in, key)
		if err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/exchange/batches/" + v.Batch.BatchID, body: v}, nil
	})
}

func (s *Server) importExchange(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeImport)
	if err != nil {
		return err
	}
	body, err := readBody(c, s.cfg.ImportLimit, mimeZip)
	if err != nil {
		return err
	}
	files, err := exchange.Unpack(body)
	if err != nil {
		return refusal(err)
	}
	v, err := s.ImportBatch(c.Request().Context(), p, requestID(c), files)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/exchange/batches/"+v.Batch.BatchID)
	status := http.StatusCreated
	if v.AlreadyImported {
		status = http.StatusOK
	}
	return c.JSON(status, v)
}

// batchOf loads a stored batch the caller may see (an officer bound to a
// region: batches of that region).
func batchOf(tx *store.Tx, c echo.Context, p filing.Principal) (*store.XBatch, error) {
	b, err := tx.GetBatch(c.Param("batch"))
	if err != nil {
		return nil, err
	}
	if b == nil || (p.Region != "" && !strings.HasPrefix(b.Region, filing.RegionPrefix(p.Region))) {
		return nil, apiError(calc.KindNotFound, "batch_not_found", "批次不存在", "no batch "+c.Param("batch")+" visible to this token")
	}
	return b, nil
}

func (s *Server) getExchangeBatch(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	var v *BatchView
	if err := s.view(c, func(tx *store.Tx) error {
		b, err := batchOf(tx, c, p)
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
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// exchangeArchive sends the stored files as the batch's ZIP archive, byte
// for byte what was made or received.
func (s *Server) exchangeArchive(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	var (
		data []byte
		id   string
	)
	if err := s.view(c, func(tx *store.Tx) error {
		b, err := batchOf(tx, c, p)
		if err != nil {
			return err
		}
		id = b.BatchID
		files, err := tx.BatchFiles(b.ID)
		if err != nil {
			return err
		}
		data, err = exchange.Pack(files)
		return err
	}); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+id+`.zip"`)
	return c.Blob(http.StatusOK, mimeZip, data)
}

func (s *Server) listExchangeBatches(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return err
	}
	dir := c.QueryParam("direction")
	if dir != "" && dir != exchange.TaxToEnv && dir != exchange.EnvToTax {
		return calc.Invalid([]calc.FieldError{{Path: "direction", Code: "invalid_value", Message: "direction is tax_to_env or env_to_tax"}})
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	prefix := ""
	if p.Region != "" {
		prefix = filing.RegionPrefix(p.Region)
	}
	var list []store.XBatch
	if err := s.view(c, func(tx *store.Tx) error {
		list, err = tx.ListBatches(dir, prefix, limit)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"batches": list})
}
