package hj212

import (
	"errors"
	"strings"
)

// What HJ 212-2025 adds to the 2017 protocol on the wire, as far as the
// shared reference (hj212-2025.md) establishes it: the version bits 000010
// (Flag 8–11), the back-fill flag RF=1, SM4 encryption of the data area
// (sm4.go), sentinel values, and these commands.
const (
	CN2025UploadHardwareSN = "1001" // 上传数采仪硬件序号, field → host; answered with 9013
	CN2025SetMN            = "1002" // 设置数采仪MN编码, host → field
	CN2025Key              = "1014" // 现场机获取新密钥 / 上位机下发新密钥 (SM4 key rotation)
	CN2025RawData          = "2013" // 取/上传原始监测数据
	CN2025NoiseSingle      = "2052" // 取/上传噪声单次测量数据
	CN2025StandardCheck    = "2062" // 取/上传自动标样核查（校准）数据
	CN2025FurnaceTemp      = "2111" // 上传炉膛温度5 min均值
	CN2025RetainSample     = "3022" // 下发即时留样任务, host → field
	CN2025StartCheck       = "3024" // 启动标样核查, host → field
	CN2025Heartbeat        = "9015" // 心跳包; answered with 9013 when the ack bit is set
)

// commands2025 names the commands HJ 212-2025 adds (reference §3.3).
var commands2025 = map[string]string{
	CN2025UploadHardwareSN: "上传数采仪硬件序号 (upload the data logger's hardware serial)",
	CN2025SetMN:            "设置数采仪MN编码 (assign the MN)",
	CN2025Key:              "现场机获取新密钥/上位机下发新密钥 (SM4 key)",
	CN2025RawData:          "原始监测数据 (raw periodic measurements)",
	CN2025NoiseSingle:      "噪声单次测量数据 (noise, single measurement)",
	CN2025StandardCheck:    "自动标样核查数据 (automatic standard-sample check)",
	CN2025FurnaceTemp:      "炉膛温度5 min均值 (furnace temperature, 5-minute mean)",
	CN2025RetainSample:     "下发即时留样任务 (immediate sample retention)",
	CN2025StartCheck:       "启动标样核查 (start a standard-sample check)",
	CN2025Heartbeat:        "心跳包 (heartbeat)",
}

// New2025Command reports whether cn is one of the commands HJ 212-2025
// adds, and names it.
func New2025Command(cn string) (string, bool) {
	n, ok := commands2025[cn]
	return n, ok
}

// Answer decides what a receiver sends back for a packet and builds it.
// It returns nil (and no error) when nothing is to be sent:
//
//   - a rejected packet is not answered, so the device sends it again;
//   - 9015 heartbeat: 9013 when the ack bit is set (HJ 212-2025);
//   - 1001 hardware serial (activation): 9013, the receipt the standard
//     gives; this receiver assigns no MN (it never sends 1002);
//   - 1014 key request: refused with 9011 QnRtn=2, this receiver issues no
//     SM4 keys (they are managed on the MEE host system, 6.4.3);
//   - 1002, 3022, 3024 are host → field requests; received from a device
//     they are refused with 9011 QnRtn=2;
//   - answers (9011–9014) are not answered;
//   - any other packet whose Flag asks for an answer (bit 0): 9014.
//
// Call it once the packet is stored: an answer tells the device it need
// not send the packet again.
func Answer(p *Packet) ([]byte, error) {
	if p == nil || !p.Accepted() {
		return nil, nil
	}
	switch {
	case p.CN == CN2025Heartbeat:
		if !p.AckRequested() {
			return nil, nil
		}
		return NotifyAnswer(p)
	case strings.HasPrefix(p.CN, "9"):
		return nil, nil // an answer is not answered
	}
	switch p.CN {
	case CN2025Heartbeat:
		if !p.AckRequested() {
			return nil, nil
		}
		return NotifyAnswer(p)
	case CN2025UploadHardwareSN:
		return NotifyAnswer(p)
	case CN2025Key, CN2025SetMN, CN2025RetainSample, CN2025StartCheck:
		return RequestAnswer(p, QnRejected)
	}
	if !p.AckRequested() {
		return nil, nil
	}
	return DataAck(p)
}

// errNoMN: replies need the device's MN, except during HJ 212-2025
// activation (1001), when the device has none yet and the standard's
// 9013 carries "MN=" empty.
var errNoMN = errors.New("hj212: the request has no MN to answer")

func mnOptional(req *Packet) bool { return req.CN == CN2025UploadHardwareSN }

// Sentinel values (HJ 212-2025 §8.1.1 d): "无法计算折算浓度时，按缺省数据类型
// 的最大值传输" — when a reference-oxygen value cannot be computed, the
// maximum of the factor's default data type is sent. For a type Nx.y
// (x integer digits, y decimals) that is x nines, a point and y nines:
// 9999.99 for N4.2. The maximum depends on the factor, so a factor whose
// types are known is matched against them exactly (2017 and 2025 types
// both, reference §3.8); for any other factor a value of at least four
// integer nines and at least one decimal nine (9999.9, 9999.99,
// 99999.99, ...) is taken as a sentinel: no measurement of a monitored
// factor is exactly that. A leading '-' is allowed (one source gives
// -9999.99 as an example). Such values are flagged and never used as
// numbers.
type numType struct{ ints, decs int }

var factorTypes = map[string][]numType{
	"a00000": {{6, 1}},         // 废气流量 N6.1
	"a34013": {{4, 0}, {4, 1}}, // 烟尘 N4 (2017), 颗粒物 N4.1 (2025)
	"a21026": {{5, 2}},         // SO2 N5.2
	"a21002": {{5, 1}, {4, 2}}, // NOx N5.1 (2017), N4.2 (2025)
	"a19001": {{3, 1}, {2, 2}}, // O2 N3.1 (2017), N2.2 (2025)
	"a01011": {{5, 2}, {2, 2}}, // 流速 N5.2 (2017), N2.2 (2025)
	"a01012": {{3, 1}},         // 温度 N3.1
	"a01013": {{5, 3}, {2, 3}}, // 压力 N5.3 (2017), N2.3 (2025)
	"a01014": {{3, 1}, {3, 2}}, // 湿度 N3.1 (2017), 含湿量 N3.2 (2025)
}

// isSentinel reports whether v (a number as sent) is the maximum of the
// data type of factor code.
func isSentinel(code, v string) bool {
	if len(v) < 4 || (v[0] != '9' && v[0] != '-') {
		return false // the common case, decided at once
	}
	if v[0] == '-' {
		v = v[1:]
	}
	ints, decs, dot := 0, 0, false
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '9' && !dot:
			ints++
		case v[i] == '9':
			decs++
		case v[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	if ts, ok := factorTypes[code]; ok {
		for _, t := range ts {
			if t.ints == ints && t.decs == decs && (decs > 0) == dot {
				return true
			}
		}
		return false
	}
	return ints >= 4 && decs >= 1
}
