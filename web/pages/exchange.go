package pages

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
)

// Information sharing between the bureaus (涉税信息共享, 环境保护税法 第十五
// 条; 实施条例 第十四条) on pages: each bureau sends its own data for a
// period as a signed batch — made here, downloaded as a ZIP archive for
// the other bureau — and takes in the other bureau's batch by uploading
// its archive. What cannot be matched goes to 信息共享待核对. The batches
// sent and received are listed with what became of their records.
// app.ExportBatch, app.ImportArchive and app.BatchFiles do the work.

// exchangePage is the batches and the two forms.
type exchangePage struct {
	Batches   []batchRow
	Own       string // the direction the principal sends ("" for the operator: both)
	Formats   []web.Option
	Vals      url.Values
	Top       []web.Explained
	CanExport bool
	CanImport bool
	Made      string    // the batch just made
	Imported  *batchSum // the batch just taken in
}

// batchRow is one batch as listed.
type batchRow struct {
	BatchID   string
	Direction string // in words
	Origin    string // 本部门生成 / 对方发来
	Period    string
	Records   int
	Format    string
	When      string
}

// batchSum says what an imported batch did, record by record, counted.
type batchSum struct {
	BatchID  string
	Again    bool // the same batch was taken in before: nothing changed
	Records  int
	Outcomes []web.Option // outcome in words → count
}

// outcomeLabel says what became of a record, by the outcome's first
// word ("stored: taxpayer not registered here" is stored).
var outcomeLabel = map[string]string{
	"exported":  "已生成",
	"stored":    "已存档（本系统没有可对应的登记，未应用）",
	"matched":   "已对应到本系统的登记",
	"unmatched": "无法对应（见信息共享待核对）",
	"created":   "已在本系统新建（复核请求、处罚记录等）",
	"unchanged": "本系统已有相同记录，未变",
	"answered":  "已记入复核意见",
}

var formatLabel = map[string]string{exchange.XLSX: "电子表格（XLSX）", exchange.CSV: "逗号分隔文本（CSV）", exchange.JSONL: "每行一条记录的文本（JSON）"}

// ownDirection is what a principal's bureau sends.
func ownDirection(p filing.Principal) string {
	switch p.Role {
	case filing.RoleTaxOfficer:
		return exchange.TaxToEnv
	case filing.RoleEnvOfficer:
		return exchange.EnvToTax
	}
	return ""
}

func (s *Server) webExchange(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &exchangePage{Vals: url.Values{"period": {s.defaultPeriod()}, "format": {exchange.XLSX}}, Made: c.QueryParam("made")}
	return s.renderExchange(c, p, http.StatusOK, pg)
}

func (s *Server) renderExchange(c echo.Context, p filing.Principal, status int, pg *exchangePage) error {
	pg.Own = ownDirection(p)
	pg.CanExport = p.Can(filing.ActExchangeExport) && pg.Own != ""
	pg.CanImport = p.Can(filing.ActExchangeImport) && pg.Own != ""
	for _, f := range []string{exchange.XLSX, exchange.CSV, exchange.JSONL} {
		pg.Formats = append(pg.Formats, web.Option{Value: f, Label: formatLabel[f]})
	}
	list, err := s.app.Batches(ctx(c), p, "", 100)
	if err != nil {
		return s.webError(c, err)
	}
	for _, b := range list {
		pg.Batches = append(pg.Batches, batchRowOf(b, pg.Own))
	}
	return s.render(c, status, "exchange", s.page(c, "信息共享", pg))
}

func batchRowOf(b app.Batch, own string) batchRow {
	origin := "本部门生成"
	if b.Origin != "export" {
		origin = "对方发来"
	}
	if own == "" {
		origin = map[bool]string{true: "生成", false: "导入"}[b.Origin == "export"]
	}
	return batchRow{BatchID: b.BatchID, Direction: directionLabel[b.Direction], Origin: origin, Period: b.Period,
		Records: b.Records, Format: formatLabel[b.Format], When: b.CreatedAt.In(beijing).Format("2006-01-02 15:04")}
}

// webExportBatch makes the bureau's batch of a period.
func (s *Server) webExportBatch(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeExport)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	pg := &exchangePage{Vals: vals}
	in := app.ExportRequest{Direction: ownDirection(p), Period: strings.TrimSpace(vals.Get("period")), Format: vals.Get("format")}
	if in.Direction == "" {
		return s.webError(c, app.Fail(app.KindForbidden, "forbidden", "无权执行该操作", "only the tax and environment officers send their bureau's batch"))
	}
	if _, err := filing.ParsePeriod(in.Period); err != nil {
		pg.Top = append(pg.Top, web.Explained{Text: "所属期请按 2024-Q1（2024 年第一季度）的格式填写。", Path: "period", Code: "invalid_value", Detail: err.Error()})
		return s.renderExchange(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	r, err := s.app.ExportBatch(ctx(c), p, app.Idem{}, in)
	if err != nil {
		if !s.exchangeRefused(err, pg) {
			return s.webError(c, err)
		}
		return s.renderExchange(c, p, httpx.Status(errKind(err)), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/exchange?"+url.Values{"made": {r.Value.Batch.BatchID}}.Encode())
}

// webImportBatch takes in the other bureau's batch from its archive.
func (s *Server) webImportBatch(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeImport)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &exchangePage{Vals: url.Values{"period": {s.defaultPeriod()}, "format": {exchange.XLSX}}}
	fh, err := c.FormFile("file")
	if err != nil {
		pg.Top = append(pg.Top, web.Explained{Text: "请选择对方部门发来的数据包（ZIP 文件）。", Path: "file", Code: "required"})
		return s.renderExchange(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	if fh.Size > s.cfg.ImportLimit {
		pg.Top = append(pg.Top, web.Explained{Text: "文件太大，不是一个数据包。", Path: "file", Code: "too_large"})
		return s.renderExchange(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	f, err := fh.Open()
	if err != nil {
		return s.webError(c, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, s.cfg.ImportLimit+1))
	f.Close()
	if err != nil {
		return s.webError(c, err)
	}
	v, err := s.app.ImportArchive(ctx(c), p, data)
	if err != nil {
		if !s.exchangeRefused(err, pg) {
			return s.webError(c, err)
		}
		return s.renderExchange(c, p, httpx.Status(errKind(err)), pg)
	}
	sum := &batchSum{BatchID: v.Batch.BatchID, Again: v.AlreadyImported, Records: len(v.Records)}
	counts := map[string]int{}
	for _, r := range v.Records {
		word, _, _ := strings.Cut(r.Outcome, ":")
		counts[word]++
	}
	for o, n := range counts {
		label := outcomeLabel[o]
		if label == "" {
			label = "其他"
		}
		sum.Outcomes = append(sum.Outcomes, web.Option{Value: strconv.Itoa(n), Label: label})
	}
	sort.Slice(sum.Outcomes, func(i, j int) bool { return sum.Outcomes[i].Label < sum.Outcomes[j].Label })
	pg.Imported = sum
	return s.renderExchange(c, p, http.StatusOK, pg)
}

// webBatchArchive downloads a batch as its ZIP archive, byte for byte
// what was made or received.
func (s *Server) webBatchArchive(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return s.webError(c, err)
	}
	id, files, err := s.app.BatchFiles(ctx(c), p, c.Param("batch"))
	if err != nil {
		return s.webError(c, err)
	}
	data, err := exchange.Pack(files)
	if err != nil {
		return s.webError(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+id+`.zip"`)
	return c.Blob(http.StatusOK, "application/zip", data)
}

// exchangeRefused puts a refusal the officer can act on at the top of the
// page, in words (the title), with its detail folded; false for others.
func (s *Server) exchangeRefused(err error, pg *exchangePage) bool {
	var ce *calc.Error
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Kind {
	case calc.KindInvalid, calc.KindConflict, app.KindUnavailable:
	default:
		return false
	}
	text := ce.Title
	switch ce.Code {
	case "exchange_key_missing":
		text = "本系统尚未配置信息交换密钥，不能生成或导入数据包，请联系系统管理员。"
	}
	pg.Top = append(pg.Top, web.Explained{Text: text, Code: ce.Code, Detail: ce.Detail})
	for _, e := range ce.Errors {
		pg.Top = append(pg.Top, web.Explained{Text: web.Explain(e, nil).Text, Path: e.Path, Code: e.Code, Detail: e.Message})
	}
	return true
}

// errKind is an error's kind (internal when it is not a *calc.Error).
func errKind(err error) calc.Kind {
	var ce *calc.Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return calc.KindInternal
}
