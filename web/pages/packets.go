package pages

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
)

// The packets a monitoring device sent (数据包), on pages: when each came,
// for which time, what kind of data, whether it was taken, and if not,
// why — in words. An officer looking into missing monitoring data (or
// answering a 复核) sees here whether the device sent nothing or sent
// packets that were refused (a wrong checksum, no key for encrypted
// data …). app.Packets does the work; an enterprise sees only its own
// devices' packets, on the days they were mapped to it.

const packetPageSize = 50

type packetPage struct {
	MN, Month, Verdict, Taxpayer string
	Rows                         []packetRow
	Verdicts                     []web.Option
	Older                        string // the next page's address, "" at the end
	Errors                       []web.Explained
	Asked                        bool // a device was named
}

type packetRow struct {
	ID                       int64
	Received, DataTime, Kind string
	Verdict, VerdictLabel    string
	Why                      []string // the findings in words
	Pairs                    int
	QN, CN, Reason, Codes    string // for 依据详情
}

// packetFilterText says why a listing's filter was refused, by field.
var packetFilterText = map[string]string{"month": "月份请按 2024-01 的格式填写。", "verdict": "请从列表中选择结论。", "mn": "请填写设备唯一标识（MN）。"}

var verdictLabel = map[string]string{"valid": "有效", "lenient": "宽松接收", "rejected": "拒收"}

// cnLabel names the HJ 212 command codes (CN) a device's data packets
// carry.
var cnLabel = map[string]string{
	"2011": "实时数据", "2051": "分钟数据", "2061": "小时数据", "2031": "日数据", "2041": "设备运行时间日数据",
	"9011": "请求应答", "9012": "执行结果", "9013": "通知应答", "9014": "数据应答", "3020": "现场端信息",
}

// findingLabel says an HJ 212 finding (hj212.Code) in words.
var findingLabel = map[string]string{
	"no_start": "数据包不是以 ## 开头", "stray_before": "## 之前有多余的内容", "truncated": "数据包不完整",
	"bad_length_field": "数据段长度不是 4 位数字", "length_mismatch": "数据段长度与实际不符", "bad_crc_field": "校验码不是 4 位十六进制数",
	"crc_mismatch": "校验码不符，数据可能在传输中损坏", "crc_modbus": "校验码只在高低字节互换后相符", "stray_after": "校验码之后有多余的内容",
	"control_char": "数据段中有控制字符", "no_cp": "缺少数据区（CP=&&…&&）", "stray_spaces": "数据段中有多余的空格",
	"no_terminator": "数据包没有以回车换行结束", "too_long": "数据包超长，找不到结尾", "stray_bytes": "数据包之间有多余的内容",
	"no_key": "数据已加密，但该设备没有登记密钥", "decrypt_failed": "数据已加密，登记的密钥都无法解密",
	"spaces": "数据段中有空格", "non_ascii": "数据段中有非英文字符", "over_1024": "数据段超过 1024 字节（HJ 212-2017 的上限）",
	"missing_field": "缺少 ST、CN、PW 或 MN 字段", "duplicate_field": "同一字段出现两次", "unknown_field": "有标准未定义的字段",
	"bad_header_value": "有字段的值不符合标准", "split": "分包标志与总包数、包号不一致", "empty_item": "有空的数据项",
	"no_equals": "有数据项缺少等号", "ampersand": "数据区中出现 &&", "bad_datatime": "数据时间不是有效的时间",
	"not_a_number": "有监测值不是数字", "duplicate_key": "同一监测项出现两次", "rf_value": "补传标志不是 1",
	"sentinel": "有监测值为该数据类型的最大值（按无效值处理）", "test_key": "用标准中的示例密钥加密（运行中不应使用）",
	"cipher_length": "长度字段按密文计算",
}

func findings(codes string) []string {
	var out []string
	for _, c := range strings.Split(codes, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		l := findingLabel[c]
		if l == "" {
			l = "其他格式问题"
		}
		if !containsStr(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// dataTime writes an HJ 212 DataTime (YYYYMMDDhhmmss) as people read it.
func dataTime(s string) string {
	if len(s) < 14 {
		return s
	}
	for i := 0; i < 14; i++ {
		if s[i] < '0' || s[i] > '9' {
			return s
		}
	}
	return s[:4] + "-" + s[4:6] + "-" + s[6:8] + " " + s[8:10] + ":" + s[10:12] + ":" + s[12:14]
}

func (s *Server) webPackets(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return s.webError(c, err)
	}
	q := c.QueryParams()
	pg := &packetPage{MN: strings.TrimSpace(q.Get("mn")), Month: strings.TrimSpace(q.Get("month")), Verdict: q.Get("verdict"),
		Taxpayer: strings.TrimSpace(q.Get("taxpayer"))}
	pg.Verdicts = []web.Option{{Value: "", Label: "全部"}}
	for _, v := range []string{"valid", "lenient", "rejected"} {
		pg.Verdicts = append(pg.Verdicts, web.Option{Value: v, Label: verdictLabel[v]})
	}
	status := http.StatusOK
	if pg.MN != "" {
		pg.Asked = true
		var before int64
		if b := q.Get("before"); b != "" {
			if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
				before = 0
				pg.Errors = append(pg.Errors, web.Explained{Text: "翻页地址有误，已从最新的数据包开始显示。", Path: "before", Code: "invalid_value", Detail: "before must be a packet id"})
			}
		}
		list, err := s.app.Packets(ctx(c), p, app.PacketFilter{MN: pg.MN, Month: pg.Month, Verdict: pg.Verdict, Before: before, Limit: packetPageSize})
		var ce *calc.Error
		switch {
		case err == nil:
		case errors.As(err, &ce) && ce.Kind == calc.KindInvalid:
			for _, e := range ce.Errors {
				text := packetFilterText[e.Path]
				if text == "" {
					text = "查询条件有误，请检查后重新查询。"
				}
				pg.Errors = append(pg.Errors, web.Explained{Text: text, Path: e.Path, Code: e.Code, Detail: e.Message})
			}
			status = httpx.Status(calc.KindInvalid)
		default:
			return s.webError(c, err)
		}
		for _, k := range list {
			r := packetRow{ID: k.ID, Received: k.ReceivedAt.In(beijing).Format("2006-01-02 15:04:05"), DataTime: dataTime(k.DataTime),
				Kind: cnLabel[k.CN], Verdict: k.Verdict, VerdictLabel: verdictLabel[k.Verdict], Pairs: k.Pairs,
				QN: k.QN, CN: k.CN, Reason: k.Reason, Codes: strings.Trim(k.Problems+","+k.Warnings, ",")}
			if r.Kind == "" && k.CN != "" {
				r.Kind = "其他命令"
			}
			r.Why = findings(k.Problems)
			if k.Verdict != "rejected" {
				r.Why = append(r.Why, findings(k.Warnings)...)
			}
			pg.Rows = append(pg.Rows, r)
		}
		if len(list) == packetPageSize {
			next := url.Values{"mn": {pg.MN}, "before": {strconv.FormatInt(list[len(list)-1].ID, 10)}}
			for k, v := range map[string]string{"month": pg.Month, "verdict": pg.Verdict, "taxpayer": pg.Taxpayer} {
				if v != "" {
					next.Set(k, v)
				}
			}
			pg.Older = "/app/devices/packets?" + next.Encode()
		}
	}
	return s.render(c, status, "packets", s.page(c, "设备数据包", pg))
}
