package web

// Page is what every template gets: the layout's parts (title, who is
// signed in, the menu, the CSRF token for forms) and the page's own Data.
type Page struct {
	Title  string
	User   *User
	CSRF   string
	Nav    []NavItem
	Notice string // one line shown above the content (e.g. "已退出")
	// Refresh reloads the page after so many seconds (0: never): a page
	// that follows work going on in the background, without JavaScript.
	Refresh int
	Data    any
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
