package pages

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/web"
)

// TestJobPageStates renders a reconciliation job's page in each state a
// person can find it in: while it runs (progress in words and as a bar,
// the page reloading itself), before the taxpayers are counted, and
// failed (why, in words, the job's number only in 依据详情, no reload).
func TestJobPageStates(t *testing.T) {
	ui, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC)
	render := func(j *app.Job) string {
		t.Helper()
		pg := &web.Page{Title: "比对进行中", Data: jobPageOf(j)}
		if !j.Finished() {
			pg.Refresh = 2
		}
		var b bytes.Buffer
		if err := ui.Render(&b, "recon_job", pg); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	running := render(&app.Job{ID: "5f3a9c0d1e2b4a68", Status: "running", Period: "2024-Q1", Region: "500000", Done: 30, Total: 120, CreatedAt: at})
	for _, want := range []string{`<meta http-equiv="refresh" content="2">`, "正在比对", "已比对 30 户，共 120 户", `<progress max="120" value="30"`, "2024-05-20 10:00:00",
		`href="/app/reconciliation?period=2024-Q1&amp;region=500000"`} {
		if !strings.Contains(running, want) {
			t.Errorf("the running job's page lacks %q", want)
		}
	}
	queued := render(&app.Job{ID: "5f3a9c0d1e2b4a68", Status: "queued", Period: "2024-Q1", CreatedAt: at})
	for _, want := range []string{"排队等候", "正在准备", "全部辖区", `content="2"`} {
		if !strings.Contains(queued, want) {
			t.Errorf("the queued job's page lacks %q", want)
		}
	}
	failed := render(&app.Job{ID: "5f3a9c0d1e2b4a68", Status: "failed", Period: "2024-Q1", Region: "500000", CreatedAt: at,
		Error: &app.JobError{Code: "unavailable", Title: "数据库暂时无法访问", Detail: "the database did not answer"}})
	if strings.Contains(failed, "http-equiv") || !strings.Contains(failed, "比对未完成") || !strings.Contains(failed, "数据库暂时无法访问") {
		t.Errorf("the failed job's page:\n%s", failed)
	}
	if i := strings.Index(failed, "5f3a9c0d1e2b4a68"); i < 0 || !strings.Contains(failed[:i], `<details class="basis">`) {
		t.Errorf("the failed job's number is not in 依据详情")
	}
}
