package pages

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
)

// A taxpayer's 操作记录 on pages: who did what to its records and when —
// registration, sources, declarations and their status, payments, 复核,
// penalties, permits, devices, outputs — read from the audit log
// (app.Audit) by the tax officer and the operator, newest first. Each
// line says the action and its record in words; the log's own entry
// (action, record, request, the record before and after) is folded in
// 依据详情.

// auditPage is one taxpayer's audit log.
type auditPage struct {
	Taxpayer *filing.Taxpayer
	Rows     []auditRow
	Limit    int
}

// auditRow is one entry as a person reads it.
type auditRow struct {
	At, Who, What, Record, Link string
	Entry                       filing.AuditEntry
	Before, After               string // indented JSON, for 依据详情
}

const auditLimit = 200

var auditActionLabel = map[string]string{
	string(filing.ActTaxpayerCreate):    "登记纳税人",
	string(filing.ActTaxpayerUpdate):    "修改登记信息",
	string(filing.ActDeclarationAccept): "受理申报",
	string(filing.ActPaymentRecord):     "登记缴款",
	string(filing.ActReviewOpen):        "提请复核",
	string(filing.ActReviewAnswer):      "出具复核意见",
	string(filing.ActReviewApply):       "按复核意见调整申报",
	string(filing.ActPenaltyRecord):     "记录环境违法和处罚",
	string(filing.ActPermitRecord):      "登记排污许可",
	string(filing.ActSampleRecord):      "记录监督性监测",
	string(filing.ActReconcileRun):      "运行比对",
	string(filing.ActDeviceKeyWrite):    "设置设备密钥",
}

var auditEntityLabel = map[string]string{
	"taxpayer": "纳税人登记", "source": "税源", "declaration": "申报", "review": "复核", "penalty": "处罚记录",
	"permit": "排污许可", "supervisory_sample": "监督性监测", "device": "在线监测设备", "output": "月度产量",
	"reconciliation": "比对", "device_key": "设备密钥", "exchange_batch": "信息共享批次",
}

// auditSnap is what the pages read from an audit entry's record before
// or after the change (filing.Declaration, filing.Source …): the fields
// that tell an action apart and name the record.
type auditSnap struct {
	Status     filing.Status `json:"status"`
	ReplacesID *int64        `json:"replaces_id"`
	Revision   int           `json:"revision"`
	Period     string        `json:"period"`
	OutletNo   string        `json:"outlet_no"`
	OutletName string        `json:"outlet_name"`
	Pollutant  string        `json:"pollutant"`
}

// snapOf reads a snapshot; ok is false when there is none (a record
// created, or deleted).
func snapOf(raw []byte) (s auditSnap, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return s, false
	}
	json.Unmarshal(raw, &s)
	return s, true
}

// auditWhat says an entry's action in words; where one action name
// covers several (a declaration's 填写/提交, a source's 新增/变更), the
// record before and after tell which.
func auditWhat(action string, before, after auditSnap, isNew bool) string {
	switch filing.Action(action) {
	case filing.ActDeclarationFile:
		switch {
		case isNew && after.ReplacesID != nil:
			return "更正申报（第 " + strconv.Itoa(after.Revision) + " 版）"
		case isNew:
			return "开始申报"
		case before.Status != after.Status && after.Status == filing.StatusSubmitted:
			return "提交申报"
		}
		return "填写申报数据"
	case filing.ActSourceWrite:
		if isNew {
			return "新增税源"
		}
		return "变更税源"
	case filing.ActDeviceWrite:
		if isNew {
			return "登记监测设备"
		}
		return "变更监测设备（含停用）"
	case filing.ActOutputWrite:
		if isNew {
			return "填报月度产量"
		}
		return "修改月度产量"
	}
	if l := auditActionLabel[action]; l != "" {
		return l
	}
	return "其他操作"
}

// auditRecord names an entry's record: its kind in words and, for a
// declaration its period and version, for a source its outlet and
// pollutant (r: the record after the change, or before it when it went).
func auditRecord(entity string, r auditSnap) string {
	label := auditEntityLabel[entity]
	switch entity {
	case "declaration":
		if r.Period != "" {
			label += " " + r.Period + " 第 " + strconv.Itoa(r.Revision) + " 版"
		}
	case "source":
		if name := strings.TrimSpace(r.OutletNo + " " + r.OutletName + " " + r.Pollutant); name != "" {
			label += " " + name
		}
	}
	return label
}

func indentJSON(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

func (s *Server) webAudit(c echo.Context) error {
	p, err := allowed(c, filing.ActAuditRead)
	if err != nil {
		return s.webError(c, err)
	}
	code := c.Param("code")
	tp, err := s.app.Taxpayer(ctx(c), p, code)
	if err != nil {
		return s.webError(c, err)
	}
	list, err := s.app.Audit(ctx(c), p, app.AuditFilter{CreditCode: code, Limit: auditLimit})
	if err != nil {
		return s.webError(c, err)
	}
	pg := &auditPage{Taxpayer: tp, Limit: auditLimit}
	for _, e := range list {
		before, hadBefore := snapOf(e.Before)
		after, hasAfter := snapOf(e.After)
		named := after
		if !hasAfter {
			named = before
		}
		r := auditRow{At: e.At.In(beijing).Format("2006-01-02 15:04:05"), Who: filing.ActorLabel(e.Actor),
			What: auditWhat(e.Action, before, after, !hadBefore), Record: auditRecord(e.Entity, named), Entry: e,
			Before: indentJSON(e.Before), After: indentJSON(e.After)}
		switch e.Entity {
		case "declaration":
			r.Link = "/app/declarations/" + e.EntityID
		case "source":
			r.Link = "/app/taxpayers/" + code + "/sources/" + e.EntityID
		case "review":
			r.Link = "/app/reviews/" + e.EntityID
		}
		pg.Rows = append(pg.Rows, r)
	}
	return s.render(c, http.StatusOK, "audit", s.page(c, tp.Name+" · 操作记录", pg))
}
