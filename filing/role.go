package filing

import (
	"strconv"
	"strings"
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
	ActPaymentRecord:     {RoleFinance, RoleAdmin},
	ActAuditRead:         {RoleTaxOfficer, RoleAdmin},
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
		return strings.HasPrefix(region, RegionPrefix(p.Region))
	}
	return true
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

// RegionPrefix turns a GB/T 2260 code into the prefix it stands for:
// 500000 (a province) → "50", 500100 (a city) → "5001", 500103 → "500103".
func RegionPrefix(code string) string {
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

// ValidRegion reports whether s looks like a GB/T 2260 code (6 digits, not
// all zeros). Whether the code exists is the engine's business.
func ValidRegion(s string) bool {
	if len(s) != 6 || s == "000000" {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
