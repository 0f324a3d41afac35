package hj212

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Encode builds a frame: "##", the 4-digit length, the data segment
// (header fields joined by ';', then "CP=&&", the CP items joined by ';'
// with their pairs joined by ',', then "&&"), the Annex A CRC in upper-case
// hex, and CR LF. Values are written exactly as given: Encode never
// reformats a number, because "1.230" and "1.23" have different CRCs.
//
// Keys and values may not contain the separators (';' ',' '&' '#'), control
// bytes, and keys may not contain '='; a header key may not be "CP". Items
// may not be empty. Such input is an error, never escaped or dropped.
func Encode(header []Field, cp [][]Field) ([]byte, error) {
	var d strings.Builder
	for _, h := range header {
		if h.Key == "CP" {
			return nil, errors.New("hj212: header field CP is written by Encode itself")
		}
		if err := checkText("header key", h.Key, true); err != nil {
			return nil, err
		}
		if err := checkText("header value of "+h.Key, h.Value, false); err != nil {
			return nil, err
		}
		d.WriteString(h.Key)
		d.WriteByte('=')
		d.WriteString(h.Value)
		d.WriteByte(';')
	}
	d.WriteString("CP=&&")
	for i, item := range cp {
		if len(item) == 0 {
			return nil, fmt.Errorf("hj212: CP item %d is empty", i)
		}
		if i > 0 {
			d.WriteByte(';')
		}
		for j, p := range item {
			if err := checkText("CP key", p.Key, true); err != nil {
				return nil, err
			}
			if err := checkText("CP value of "+p.Key, p.Value, false); err != nil {
				return nil, err
			}
			if j > 0 {
				d.WriteByte(',')
			}
			d.WriteString(p.Key)
			d.WriteByte('=')
			d.WriteString(p.Value)
		}
	}
	d.WriteString("&&")
	data := d.String()
	if len(data) > 9999 {
		return nil, fmt.Errorf("hj212: data segment of %d bytes does not fit the 4-digit length field", len(data))
	}
	out := make([]byte, 0, len(data)+12)
	out = append(out, '#', '#')
	out = append(out, fmt.Sprintf("%04d", len(data))...)
	out = append(out, data...)
	var crc [4]byte
	putHex(crc[:], annexA([]byte(data)))
	out = append(out, crc[:]...)
	return append(out, '\r', '\n'), nil
}

func checkText(what, s string, key bool) error {
	if key && s == "" {
		return fmt.Errorf("hj212: empty %s", what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7F || c == ';' || c == ',' || c == '&' || c == '#' || (key && c == '=') {
			return fmt.Errorf("hj212: %s %q: byte %q at %d is not allowed", what, s, c, i)
		}
	}
	return nil
}

// Answer codes of HJ 212-2017 表 C.1 (QnRtn, 请求应答) and 表 C.2 (ExeRtn,
// 执行结果), identical in HJ/T 212-2005.
type QnRtn int

const (
	QnReady      QnRtn = 1   // 准备执行请求
	QnRejected   QnRtn = 2   // 请求被拒绝
	QnBadPW      QnRtn = 3   // PW 错误
	QnBadMN      QnRtn = 4   // MN 错误
	QnBadST      QnRtn = 5   // ST 错误
	QnBadFlag    QnRtn = 6   // Flag 错误
	QnBadQN      QnRtn = 7   // QN 错误
	QnBadCN      QnRtn = 8   // CN 错误
	QnBadCRC     QnRtn = 9   // CRC 校验错误
	QnUnknownErr QnRtn = 100 // 未知错误
)

type ExeRtn int

const (
	ExeOK           ExeRtn = 1   // 执行成功
	ExeFailed       ExeRtn = 2   // 执行失败，但不知道原因
	ExeBadCondition ExeRtn = 3   // 命令请求条件错误
	ExeTimeout      ExeRtn = 4   // 通讯超时
	ExeBusy         ExeRtn = 5   // 系统繁忙不能执行
	ExeFault        ExeRtn = 6   // 系统故障
	ExeNoData       ExeRtn = 100 // 没有数据
)

// Reply command codes (HJ 212-2017 表 C.3, 交互命令).
const (
	CNRequestAnswer = "9011" // 请求应答: the request is accepted or refused (QnRtn)
	CNExecResult    = "9012" // 执行结果 (ExeRtn)
	CNNotifyAnswer  = "9013" // 通知应答
	CNDataAnswer    = "9014" // 数据应答: answer to uploaded data that asked for one
)

// DataAck builds the 9014 数据应答 a receiver sends for an upload whose
// Flag asks for an answer (bit 0). See reply for the header.
func DataAck(req *Packet) ([]byte, error) { return reply(req, CNDataAnswer, nil) }

// RequestAnswer builds the 9011 请求应答 carrying QnRtn.
func RequestAnswer(req *Packet, rtn QnRtn) ([]byte, error) {
	return reply(req, CNRequestAnswer, []Field{{"QnRtn", strconv.Itoa(int(rtn))}})
}

// ExecResult builds the 9012 执行结果 carrying ExeRtn.
func ExecResult(req *Packet, rtn ExeRtn) ([]byte, error) {
	return reply(req, CNExecResult, []Field{{"ExeRtn", strconv.Itoa(int(rtn))}})
}

// NotifyAnswer builds the 9013 通知应答.
func NotifyAnswer(req *Packet) ([]byte, error) { return reply(req, CNNotifyAnswer, nil) }

// reply answers req with ST=91 (系统交互) and the request's QN, PW and MN,
// so the sender can match the answer to its request.
//
// HJ 212-2017 (Flag version bits 1 or more) puts QN in the header and sets
// Flag to the request's version with no answer and no split bit, e.g.
// QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=...;Flag=4;CP=&&&&
// (the standard's example; CRC C241).
//
// HJ/T 212-2005 (no Flag, or version bits 0) has no QN in the header of an
// answer: the published 2005 examples carry it in CP,
// ST=91;CN=9011;PW=...;MN=...;Flag=0;CP=&&QN=...;QnRtn=1&&. The 2005 form
// of 9014 follows the same pattern with the answered CN added; it was not
// checked against the 2005 text (see docs/hj212.md).
func reply(req *Packet, cn string, cp []Field) ([]byte, error) {
	if req == nil || req.QN == "" {
		return nil, errors.New("hj212: the request has no QN to answer")
	}
	if req.MN == "" && !mnOptional(req) {
		return nil, errNoMN
	}
	version := req.Version()
	if version >= 1 {
		header := []Field{
			{"QN", req.QN}, {"ST", "91"}, {"CN", cn}, {"PW", req.PW}, {"MN", req.MN},
			{"Flag", strconv.Itoa(version << 2)},
		}
		var items [][]Field
		if len(cp) > 0 {
			items = [][]Field{cp}
		}
		return Encode(header, items)
	}
	header := []Field{{"ST", "91"}, {"CN", cn}, {"PW", req.PW}, {"MN", req.MN}, {"Flag", "0"}}
	item := []Field{{"QN", req.QN}}
	if cn == CNDataAnswer {
		item = append(item, Field{"CN", req.CN})
	}
	item = append(item, cp...)
	// 2005 answers put QN and the answer code in one ';'-separated list.
	items := make([][]Field, len(item))
	for i := range item {
		items[i] = item[i : i+1]
	}
	return Encode(header, items)
}
