package filing

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the roles table of docs/service.md from the permission table")

// roleDoc says in words what each action of the permission table lets a
// role do, in the order docs/service.md lists them. Every action of
// permissions must be here, and nothing else.
var roleDoc = []struct {
	act  Action
	text string
}{
	{ActTaxpayerCreate, "register a taxpayer"},
	{ActTaxpayerUpdate, "change a taxpayer"},
	{ActTaxpayerRead, "read taxpayers"},
	{ActSourceWrite, "add / change / end a source (税源新增/变更/删除)"},
	{ActSourceRead, "read sources, their history and the 税源明细表 export"},
	{ActDeclarationFile, "file: create, edit figures, import, pre-check, submit, correct"},
	{ActDeclarationRead, "read declarations and their exports"},
	{ActDeclarationAccept, "accept (受理, locks)"},
	{ActPaymentRecord, "record a payment (入库)"},
	{ActAuditRead, "read the audit log"},
	{ActDeviceWrite, "map a monitoring device (MN) to an outlet"},
	{ActDeviceKeyWrite, "set or rotate a device's SM4 key (HJ 212-2025; the key is never shown again)"},
	{ActMonitoringRead, "read devices, HJ 212 packets and monthly monitoring figures"},
	{ActOutputWrite, "record production output (产量) per month"},
	{ActRawRetention, "drop raw real-time and minute monitoring data older than the retention setting"},
	{ActReconcileRun, "run a reconciliation (比对)"},
	{ActReconcileRead, "read reconciliation results, items and risk flags"},
	{ActReviewOpen, "open a 复核 (提请复核, 法 第二十条)"},
	{ActReviewAnswer, "give the 复核 opinion"},
	{ActReviewApply, "apply a 复核 opinion (a correction of the declaration)"},
	{ActReviewRead, "read 复核 requests and opinions"},
	{ActPenaltyRecord, "record penalties (环境违法和受行政处罚情况)"},
	{ActPenaltyRead, "read penalty records"},
	{ActPermitRecord, "register a permit (排污许可)"},
	{ActPermitRead, "read permits"},
	{ActSampleRecord, "record a supervisory measurement (监督性监测)"},
	{ActSampleRead, "read supervisory measurements"},
	{ActExchangeExport, "export an exchange batch (its own bureau's direction)"},
	{ActExchangeImport, "import the other bureau's exchange batch"},
	{ActExchangeRead, "read exchange batches, their records and archives"},
	{ActCompensationCompute, "compute damage claims and eco-compensation settlements"},
	{ActDamageCaseRecord, "record or delete a damage case (budget)"},
	{ActEcoSettlementRecord, "record or delete an eco-compensation settlement (budget)"},
	{ActFeeBillRecord, "record or delete a fee bill (budget)"},
	{ActBudgetInputsRead, "read the budget's recorded inputs"},
	{ActBudgetReport, "compute the budget report"},
}

// rolesTable renders the permission table as docs/service.md shows it. An
// enterprise token sees only its own taxpayer (Principal.Sees), so its
// column says so.
func rolesTable() string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, r := range Roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, d := range roleDoc {
		b.WriteString("| " + d.text + " (`" + string(d.act) + "`) |")
		for _, r := range Roles {
			cell := ""
			if slices.Contains(permissions[d.act], r) {
				cell = "✓"
				if r == RoleEnterprise {
					cell = "own only"
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

const (
	rolesBegin = "<!-- roles table: generated from filing/role.go by `go test ./filing -run RolesDoc -update-docs` -->\n"
	rolesEnd   = "<!-- end of roles table -->\n"
)

// TestRolesDoc keeps the roles table of docs/service.md equal to the
// permission table, so that the two cannot drift.
func TestRolesDoc(t *testing.T) {
	seen := map[Action]bool{}
	for _, d := range roleDoc {
		if _, ok := permissions[d.act]; !ok {
			t.Errorf("roleDoc lists %s, which the permission table does not have", d.act)
		}
		if seen[d.act] {
			t.Errorf("roleDoc lists %s twice", d.act)
		}
		seen[d.act] = true
	}
	for a := range permissions {
		if !seen[a] {
			t.Errorf("action %s is in the permission table but not in roleDoc (so not in docs/service.md): describe it", a)
		}
	}
	const path = "../docs/service.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, rolesBegin), strings.Index(doc, rolesEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no roles table between %q and %q", path, rolesBegin, rolesEnd)
	}
	want := rolesTable()
	if got := doc[i+len(rolesBegin) : j]; got != want {
		if *updateDocs {
			if err := os.WriteFile(path, []byte(doc[:i+len(rolesBegin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the roles table of %s differs from filing/role.go; run go test ./filing -run RolesDoc -update-docs\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
