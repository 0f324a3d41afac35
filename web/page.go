package web

// Page is what every template gets: the layout's parts (title, who is
// signed in, the menu, the CSRF token for forms) and the page's own Data.
type Page struct {
	Title  string
	User   *User
	CSRF   string
	Nav    []NavItem
	Notice string // one line shown above the content (e.g. "已退出")
	Data   any
}

// User is the signed-in principal as shown in the header.
type User struct {
	Role      string
	RoleLabel string
	Scope     string // 纳税人 credit code or region, "" for all
}

// NavItem is one menu entry.
type NavItem struct {
	Href    string
	Label   string
	Current bool
}

// RoleLabel names the roles in Chinese.
var RoleLabel = map[string]string{
	"enterprise":  "纳税人",
	"tax_officer": "税务机关",
	"env_officer": "生态环境部门",
	"finance":     "财政部门",
	"admin":       "系统管理员",
}

// StatusLabel names declaration states.
var StatusLabel = map[string]string{"draft": "草稿", "submitted": "已申报", "accepted": "已受理"}

// MethodLabel names the 污染物排放量计算方法.
var MethodLabel = map[string]string{
	"automatic": "自动监测", "monitoring": "监测机构监测", "self_monitoring": "自行监测",
	"factor": "排污系数", "material_balance": "物料衡算", "sampling": "抽样测算",
}
