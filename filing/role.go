package filing

import (
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecotax/ecotax/calc"
)

// Role is what a token may do. An enterprise token is bound to one
// taxpayer; officer tokens may be bound to a region (行政区划) prefix.
type Role string

const (
	RoleEnterprise Role = "enterprise"  // 纳税人: files its own sources and declarations
	RoleTaxOfficer Role = "tax_officer" // 税务机关: registers taxpayers, accepts declarations
	RoleEnvOfficer Role = "env_officer" // 生态环境主管部门: reads, for 涉税信息共享 and 复核
	RoleFinance    Role = "finance"     // 财政/国库: reads, records payments (入库)
	RoleAdmin      Role = "admin"       // operator: everything
)

// Roles lists every role, in a stable order.
var Roles = []Role{RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleFinance, RoleAdmin}

// ParseRole checks a role name.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Action names one thing a principal may do; the audit log uses the same
// names.
type Action string

const (
	ActTaxpayerCreate    Action = "taxpayer.create"
	ActTaxpayerRead      Action = "taxpayer.read"
	ActTaxpayerUpdate    Action = "taxpayer.update"
	ActSourceWrite       Action = "source.write" // add, change, end (新增/变更/删除)
	ActSourceRead        Action = "source.read"
	ActDeclarationFile   Action = "declaration.file" // create, edit figures, import, submit, correct
	ActDeclarationRead   Action = "declaration.read"
	ActDeclarationAccept Action = "declaration.accept"
	ActPaymentRecord     Action = "payment.record"
	ActAuditRead         Action = "audit.read"

	// 复核, penalty records and the exchange (issue 4, docs/exchange.md).
	ActReviewOpen     Action = "review.open"   // 提请复核 (法 第二十条)
	ActReviewAnswer   Action = "review.answer" // 出具复核意见
	ActReviewApply    Action = "review.apply"  // adjust the tax per the opinion
	ActReviewRead     Action = "review.read"
	ActPenaltyRecord  Action = "penalty.record" // 环境违法和受行政处罚情况
	ActPenaltyRead    Action = "penalty.read"
	ActPermitRecord   Action = "permit.record" // 排污许可: register a permit (法 第十五条第二款)
	ActPermitRead     Action = "permit.read"
	ActSampleRecord   Action = "sample.record" // 监督性监测: record an agency's measurement
	ActSampleRead     Action = "sample.read"
	ActExchangeExport Action = "exchange.export" // each bureau exports its own direction
	ActExchangeImport Action = "exchange.import" // each bureau imports the other's
	ActExchangeRead   Action = "exchange.read"

	// Online monitoring and reconciliation (比对, 法 第二十条; docs/monitoring.md).
	ActDeviceWrite    Action = "device.write"         // map a monitoring device (MN) to an outlet
	ActDeviceKeyWrite Action = "device_key.write"     // set or rotate a device's SM4 key (HJ 212-2025 §6.4)
	ActMonitoringRead Action = "monitoring.read"      // devices, packets, monthly figures
	ActOutputWrite    Action = "output.write"         // production output (产量) per month
	ActRawRetention   Action = "monitoring.retention" // drop raw real-time and minute data past the retention setting
	ActReconcileRun   Action = "reconcile.run"        // run a reconciliation
	ActReconcileRead  Action = "reconcile.read"       // results, items, risk flags

	// Compensation calculators and the finance budget (issue 5, docs/budget.md).
	ActCompensationCompute Action = "compensation.compute"         // damage claims, eco settlements: government work
	ActDamageCaseRecord    Action = "budget.damage_case.record"    // record or delete a damage case
	ActEcoSettlementRecord Action = "budget.eco_settlement.record" // record or delete a settlement
	ActFeeBillRecord       Action = "budget.fee_bill.record"       // record or delete a fee bill
	ActBudgetInputsRead    Action = "budget.inputs.read"
	ActBudgetReport        Action = "budget.report"
)

// permissions is the one table of who may do what. Scope (which taxpayers)
// is checked separately by Principal.Sees.
var permissions = map[Action][]Role{
	ActTaxpayerCreate:    {RoleTaxOfficer, RoleAdmin},
	ActTaxpayerRead:      {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActTaxpayerUpdate:    {RoleTaxOfficer, RoleAdmin},
	ActSourceWrite:       {RoleEnterprise, RoleTaxOfficer, RoleAdmin},
	ActSourceRead:        {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActDeclarationFile:   {RoleEnterprise, RoleAdmin},
	ActDeclarationRead:   {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActDeclarationAccept: {RoleTaxOfficer, RoleAdmin},
	ActPaymentRecord:     {RoleTaxOfficer, RoleFinance, RoleAdmin},
	ActAuditRead:         {RoleTaxOfficer, RoleAdmin},
	ActReviewOpen:        {RoleTaxOfficer, RoleAdmin},
	ActReviewAnswer:      {RoleEnvOfficer, RoleAdmin},
	ActReviewApply:       {RoleTaxOfficer, RoleAdmin},
	ActReviewRead:        {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActPenaltyRecord:     {RoleEnvOfficer, RoleAdmin},
	ActPenaltyRead:       {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActPermitRecord:      {RoleEnvOfficer, RoleAdmin},
	ActPermitRead:        {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActSampleRecord:      {RoleEnvOfficer, RoleAdmin},
	ActSampleRead:        {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActExchangeExport:    {RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActExchangeImport:    {RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActExchangeRead:      {RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActDeviceWrite:       {RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActDeviceKeyWrite:    {RoleEnvOfficer, RoleAdmin},
	ActMonitoringRead:    {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},
	ActOutputWrite:       {RoleEnterprise, RoleAdmin},
	ActRawRetention:      {RoleAdmin},
	ActReconcileRun:      {RoleTaxOfficer, RoleAdmin},
	ActReconcileRead:     {RoleEnterprise, RoleTaxOfficer, RoleEnvOfficer, RoleAdmin},

	ActCompensationCompute: {RoleTaxOfficer, RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActDamageCaseRecord:    {RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActEcoSettlementRecord: {RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActFeeBillRecord:       {RoleFinance, RoleAdmin},
	ActBudgetInputsRead:    {RoleEnvOfficer, RoleFinance, RoleAdmin},
	ActBudgetReport:        {RoleFinance, RoleAdmin},
}

// Principal is the authenticated caller.
type Principal struct {
	TokenID    int64
	Role       Role
	CreditCode string // enterprise tokens only
	Region     string // optional for officers: 6-digit code, read as a prefix
}

// Can reports whether the role may perform the action at all.
func (p Principal) Can(a Action) bool {
	for _, r := range permissions[a] {
		if r == p.Role {
			return true
		}
	}
	return false
}

// Sees reports whether the principal may see a taxpayer's data: an
// enterprise only its own, an officer with a region only taxpayers in it.
func (p Principal) Sees(creditCode, region string) bool {
	switch {
	case p.Role == RoleEnterprise:
		return p.CreditCode != "" && p.CreditCode == creditCode
	case p.Region != "":
		return strings.HasPrefix(region, calc.RegionPrefix(p.Region))
	}
	return true
}

// ActorLabel says in words the role an Actor string (role#token@scope)
// acted in, "其他" for one it does not know.
func ActorLabel(actor string) string {
	role, _, _ := strings.Cut(actor, "#")
	if l := RoleLabel[Role(role)]; l != "" {
		return l
	}
	return "其他"
}

// Actor names the principal in the audit log.
func (p Principal) Actor() string {
	s := string(p.Role) + "#" + strconv.FormatInt(p.TokenID, 10)
	if p.CreditCode != "" {
		s += "@" + p.CreditCode
	}
	if p.Region != "" {
		s += "@" + p.Region
	}
	return s
}

// Token is an API token as stored (its secret only as a SHA-256 hash).
type Token struct {
	ID         int64      `json:"id" db:"id"`
	Role       Role       `json:"role" db:"role"`
	CreditCode string     `json:"credit_code" db:"credit_code"`
	Region     string     `json:"region" db:"region"`
	Label      string     `json:"label" db:"label"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at" db:"revoked_at"`
}

// Principal is who the token speaks for.
func (t *Token) Principal() Principal {
	return Principal{TokenID: t.ID, Role: t.Role, CreditCode: t.CreditCode, Region: t.Region}
}

// TokenPrefix starts every token secret, so leaked tokens are easy to spot.
const TokenPrefix = "etx_"

// HashToken is how a token secret is stored and looked up.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Check validates the fields of a token about to be created.
func (t *Token) Check() string {
	switch {
	case t.Role == RoleEnterprise && CheckCreditCode(t.CreditCode) != "":
		return "an enterprise token needs --taxpayer with a valid credit code: " + CheckCreditCode(t.CreditCode)
	case t.Role != RoleEnterprise && t.CreditCode != "":
		return "only enterprise tokens are bound to a taxpayer"
	case t.Region != "" && !calc.ValidRegion(t.Region):
		return "--region must be a 6-digit GB/T 2260 code"
	case t.Region != "" && t.Role == RoleEnterprise:
		return "enterprise tokens are bound by taxpayer, not region"
	}
	if _, ok := ParseRole(string(t.Role)); !ok {
		return "role must be one of enterprise, tax_officer, env_officer, finance, admin"
	}
	return ""
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         int64     `json:"id" db:"id"`
	At         time.Time `json:"at" db:"at"`
	Actor      string    `json:"actor" db:"actor"`
	TokenID    int64     `json:"token_id" db:"token_id"`
	Action     string    `json:"action" db:"action"`
	Entity     string    `json:"entity" db:"entity"`
	EntityID   string    `json:"entity_id" db:"entity_id"`
	CreditCode string    `json:"credit_code" db:"credit_code"`
	Before     RawJSON   `json:"before" db:"before"`
	After      RawJSON   `json:"after" db:"after"`
	RequestID  string    `json:"request_id" db:"request_id"`
}

// RawJSON is a JSON document kept as text: an assessment, an audit
// snapshot. It scans from TEXT, JSON and JSONB columns alike.
type RawJSON []byte

func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

func (r *RawJSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*r = nil
	case string:
		*r = RawJSON(v)
	case []byte:
		*r = append(RawJSON(nil), v...)
	default:
		return fmt.Errorf("filing.RawJSON: cannot scan %T", src)
	}
	return nil
}

func (r RawJSON) Value() (driver.Value, error) {
	if len(r) == 0 {
		return nil, nil
	}
	return string(r), nil
}
