package pages

import (
	"testing"

	"github.com/ecotax/ecotax/monitor"
)

func TestGapTexts(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"2024010306", "2024010306", "1月3日 06时"},
		{"2024010306", "2024010309", "1月3日 06时至09时"},
		{"2024013122", "2024020101", "1月31日 22时 至 2月1日 01时"},
		{"20240103", "20240105", "1月3日 至 1月5日"},
		{"bad", "bad", "bad"},
	} {
		if got := spanText(c.from, c.to); got != c.want {
			t.Errorf("spanText(%s, %s) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
	marks := map[string]monitor.Mark{"D": {Code: "D", Name: "故障"}}
	for _, c := range []struct{ why, want string }{
		{"flag D×2, no record×1", "标记为“故障” 2 小时、没有数据 1 小时"},
		{"flag Q×1", "标记不在标记表中 1 小时"},
		{"contradictory records×1, unreadable record×3", "记录相互矛盾 1 小时、记录无法读取 3 小时"},
		{"something new", "其他"},
	} {
		if got := whyText(c.why, "小时", marks); got != c.want {
			t.Errorf("whyText(%q) = %q, want %q", c.why, got, c.want)
		}
	}
	for _, m := range monitor.Methods {
		if got := methodText(m, 720, "小时"); got == "" || got == methodText("", 0, "小时") {
			t.Errorf("method %s has no words of its own: %q", m, got)
		}
	}
}
