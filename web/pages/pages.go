package pages

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// The browser pages (package web holds the templates and the form model).
// A page handler reads the signed-in principal from its session (who(c))
// and calls the application layer's operations with it, so the same
// permission and visibility checks decide what a page may show as decide
// for the JSON routes.

const (
	keyWebNonce = "web_nonce"
	// contentSecurityPolicy lets a page load only what this server serves:
	// the browser itself refuses any other address.
	contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

// webUI is the parsed pages, the cookie keys and the choices the forms
// offer (from the engine's tables, built once).
type webUI struct {
	ui         *web.UI
	keys       *web.Keys
	choices    web.Choices
	regionPick []web.Option
}

func newWebUI(engine *calc.Engine, secret []byte) (*webUI, error) {
	ui, err := web.New()
	if err != nil {
		return nil, err
	}
	w := &webUI{ui: ui, keys: web.NewKeys(secret), choices: web.Choices{}}
	if engine != nil {
		w.loadChoices(engine.Tables())
	}
	names := map[string]string{}
	for _, o := range w.choices["regions"] {
		names[o.Value] = o.Label
	}
	ui.SetRegionNames(names)
	return w, nil
}

func (w *webUI) loadChoices(t *calc.Tables) {
	ch := w.choices
	seenRegion := map[string]bool{}
	for _, r := range t.Regions {
		if seenRegion[r.Code] {
			continue
		}
		seenRegion[r.Code] = true
		ch["regions"] = append(ch["regions"], web.Option{Value: r.Code, Label: r.Name})
		w.regionPick = append(w.regionPick, web.Option{Value: r.Code, Label: r.Code + " " + r.Name})
	}
	sort.Slice(w.regionPick, func(i, j int) bool { return w.regionPick[i].Value < w.regionPick[j].Value })
	seen := map[string]bool{}
	add := func(list, value, label string) {
		if value == "" || seen[list+"\x00"+value] {
			return
		}
		seen[list+"\x00"+value] = true
		ch[list] = append(ch[list], web.Option{Value: value, Label: label})
	}
	for _, p := range t.Pollutants {
		switch {
		case p.Category == calc.CatAir:
			add("names-air", p.Name, strings.Join(p.Aliases, "、"))
		case p.Category == calc.CatTable4 && p.Special == calc.SpecialStock:
			for _, a := range p.Aliases {
				add("species", a, p.Name)
			}
		case p.Category == calc.CatTable4:
			add("items", p.Name, "")
		default:
			add("names-water", p.Name, strings.Join(p.Aliases, "、"))
		}
	}
	for _, sw := range t.SolidWaste {
		add("wastes", sw.Waste, "")
	}
	for _, m := range filing.Methods {
		add("methods", m, filing.MethodLabel[m])
	}
	for _, k := range web.Kinds {
		for _, e := range t.Exemptions {
			if containsStr(e.Kinds, k) {
				add("exemptions-"+k, e.Code, e.Reason)
			}
		}
		for _, p := range t.Penalties {
			if containsStr(p.Kinds, k) {
				add("penalties-"+k, p.Code, p.Reason)
			}
		}
	}
	add("facilities", "centralized_treatment", "城乡污水集中处理、生活垃圾集中处理场所（超过排放标准）")
	add("rounding", string(calc.PerLine2dp), "污染当量数保留两位小数（默认）")
	add("rounding", string(calc.Exact), "精确计算，仅金额取整")
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// choicesFor adds the lists that depend on the day and the period.
func (s *Server) choicesFor(period string) web.Choices {
	ch := web.Choices{}
	for k, v := range s.web.choices {
		ch[k] = v
	}
	today := s.now().In(beijing)
	for y := today.Year(); y >= today.Year()-2; y-- {
		for q := 4; q >= 1; q-- {
			if y == today.Year() && (q-1)*3+1 > int(today.Month()) {
				continue
			}
			ch["periods"] = append(ch["periods"], web.Option{Value: fmt.Sprintf("%d-Q%d", y, q), Label: fmt.Sprintf("%d年第%d季度", y, q)})
		}
	}
	for _, m := range web.PeriodMonths(period) {
		ch["months"] = append(ch["months"], web.Option{Value: m})
	}
	return ch
}

// webSession reads the session cookie, sets the principal of a live
// token, sets the security headers of every page and checks the CSRF
// token and origin of every form post.
func (s *Server) webSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		var nonce string
		if ck, err := c.Cookie(web.SessionCookie); err == nil {
			sess, ok := s.web.keys.Open(ck.Value, s.now())
			var p *filing.Principal
			if ok {
				pr, err := s.app.SessionPrincipal(c.Request().Context(), sess.TokenHash, sess.Nonce, s.cfg.sessions())
				var ce *calc.Error
				if err != nil && !(errors.As(err, &ce) && ce.Kind == app.KindUnauthorized) {
					return s.webError(c, err)
				}
				if err == nil {
					p = &pr
				}
			}
			if p != nil {
				c.Set(keyPrincipal, *p)
				nonce = sess.Nonce
			} else {
				s.clearCookie(c, web.SessionCookie) // expired, tampered or revoked
			}
		}
		if nonce == "" {
			if ck, err := c.Cookie(web.AnonCookie); err == nil && web.ValidNonce(ck.Value) {
				nonce = ck.Value
			} else {
				nonce = web.Nonce()
				s.setCookie(c, web.AnonCookie, nonce, 0)
			}
		}
		c.Set(keyWebNonce, nonce)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead:
			h.Set("Cache-Control", "no-store")
			return next(c)
		}
		if !sameOrigin(c) {
			return s.webError(c, app.Fail(app.KindForbidden, "cross_site", "拒绝跨站提交", "the form was posted from another site"))
		}
		limit := s.cfg.BodyLimit
		if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
			limit = s.cfg.ImportLimit + 64<<10
		}
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, limit)
		if !s.web.keys.CheckCSRF(nonce, c.FormValue(web.CSRFField)) {
			var mbe *http.MaxBytesError
			_, err := c.MultipartForm()
			if errors.As(err, &mbe) {
				return s.webError(c, httpx.ErrTooLarge)
			}
			if err != nil && !errors.Is(err, http.ErrNotMultipart) {
				// An upload that cannot be read (a NUL in a part's header,
				// which Go's reader refuses before the text rule sees it;
				// a truncated body) is the sender's fault, not an expired
				// page.
				return s.webError(c, app.Fail(calc.KindInvalid, "invalid_form", "表单无法读取", "the upload could not be read as multipart/form-data: "+err.Error(),
					calc.FieldError{Path: "$", Code: "invalid_form", Message: "the upload could not be read"}))
			}
			if err := c.Request().ParseForm(); errors.As(err, &mbe) {
				return s.webError(c, httpx.ErrTooLarge)
			}
			return s.webError(c, app.Fail(app.KindForbidden, "csrf", "页面已过期", "the form's token does not match this browser's session; reload the page and send it again"))
		}
		if err := httpx.CheckForm(c.Request().Form); err != nil {
			return s.webError(c, err)
		}
		if err := httpx.CheckMultipart(c.Request().MultipartForm); err != nil {
			return s.webError(c, err)
		}
		return next(c)
	}
}

// sameOrigin refuses a post that the browser says came from elsewhere
// (Sec-Fetch-Site, Origin). SameSite=Strict and the CSRF token already
// stop it; this is the belt to those braces.
func sameOrigin(c echo.Context) bool {
	r := c.Request()
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Scheme() == "https"}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.SetCookie(ck)
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Scheme() == "https"})
}

// webAuth sends a signed-out visitor to the sign-in page, and back here
// afterwards.
func (s *Server) webAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := signedIn(c); !ok {
			return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// page fills the layout's parts.
func (s *Server) page(c echo.Context, title string, data any) *web.Page {
	pg := &web.Page{Title: title, CSRF: s.web.keys.CSRF(nonceOf(c)), Data: data}
	path := c.Request().URL.Path
	pg.Nav = append(pg.Nav, web.NavItem{Href: "/precheck", Label: "申报预检"})
	if p, ok := signedIn(c); ok {
		pg.User = &web.User{Role: string(p.Role), RoleLabel: filing.RoleLabel[p.Role], Scope: p.CreditCode + p.Region}
		if name := s.web.ui.RegionName(p.Region); name != "" {
			pg.User.Scope = name + " " + p.Region // the region's name beside its code
		}
		pg.Nav = append(pg.Nav, navFor(p)...)
	}
	// The current page is the item whose address is the longest start of
	// the path (信息共享待核对 under 信息共享 is one item, not both).
	best := -1
	for i, item := range pg.Nav {
		if (path == item.Href || strings.HasPrefix(path, item.Href+"/")) && (best < 0 || len(item.Href) > len(pg.Nav[best].Href)) {
			best = i
		}
	}
	if best >= 0 {
		pg.Nav[best].Current = true
	}
	return pg
}

// navFor lists the pages a role has, by the same permission table the API
// uses.
func navFor(p filing.Principal) []web.NavItem {
	var out []web.NavItem
	add := func(ok bool, href, label string) {
		if ok {
			out = append(out, web.NavItem{Href: href, Label: label})
		}
	}
	// Each role's main work first: it is where signing in lands.
	switch p.Role {
	case filing.RoleEnterprise:
		add(true, "/app/taxpayers/"+p.CreditCode, "我的税源与申报")
		add(p.Can(filing.ActReviewRead), "/app/reviews", "复核")
		return out
	case filing.RoleTaxOfficer:
		add(p.Can(filing.ActReconcileRead), "/app/reconciliation", "比对与风险")
	case filing.RoleEnvOfficer:
		add(p.Can(filing.ActReviewRead), "/app/reviews", "待复核")
	case filing.RoleFinance:
		add(p.Can(filing.ActBudgetReport), "/app/budget", "预算")
	}
	add(p.Can(filing.ActTaxpayerRead), "/app/taxpayers", "纳税人")
	add(p.Can(filing.ActDeclarationAccept) || p.Can(filing.ActPaymentRecord), "/app/declarations", "申报受理与缴款")
	add(p.Role != filing.RoleTaxOfficer && p.Can(filing.ActReconcileRead), "/app/reconciliation", "比对与风险")
	add(p.Role != filing.RoleEnvOfficer && p.Can(filing.ActReviewRead), "/app/reviews", "复核")
	add(p.Role != filing.RoleFinance && p.Can(filing.ActBudgetReport), "/app/budget", "预算")
	add(p.Can(filing.ActExchangeRead) && p.Role != filing.RoleFinance, "/app/exchange", "信息共享")
	add(p.Can(filing.ActExchangeRead) && p.Role != filing.RoleFinance, "/app/exchange/worklist", "信息共享待核对")
	add(p.Can(filing.ActPermitRead), "/app/permits", "排污许可")
	add(p.Can(filing.ActSampleRead), "/app/samples", "监督性监测")
	add(p.Role != filing.RoleEnterprise && p.Can(filing.ActPenaltyRead), "/app/penalties", "处罚记录")
	add(p.Can(filing.ActDeviceWrite), "/app/devices", "在线监测设备")
	return out
}

func nonceOf(c echo.Context) string {
	n, _ := c.Get(keyWebNonce).(string)
	return n
}

// render writes a page with a status.
func (s *Server) render(c echo.Context, status int, name string, pg *web.Page) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return s.web.ui.Render(c.Response(), name, pg)
}

// errorPage is what error.html shows.
type errorPage struct {
	Status    int
	Title     string
	Detail    string
	Code      string
	RequestID string
	Errors    []calc.FieldError
	Plain     string          // what to do, in Chinese
	Explained []web.Explained // the errors, in Chinese
}

// webError shows an error as a page, with the status the API would give
// it (one table: statusOf). Unauthenticated visitors go to the sign-in.
func (s *Server) webError(c echo.Context, err error) error {
	ce, status := httpx.Classify(err, "")
	httpx.RetryHeaders(c, ce)
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodGet {
		return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
	ep := &errorPage{Status: status, Title: ce.Title, Detail: ce.Detail, Code: ce.Code, RequestID: httpx.RequestID(c), Errors: ce.Errors}
	ep.Plain = plainStatus[status]
	if ep.Detail != "" && !hasLatinWords(ep.Detail) && ep.Detail != ep.Plain {
		ep.Plain = ep.Detail
	}
	ep.Explained = web.ExplainAll(ce.Errors, nil)
	if status >= 500 {
		s.log.Error("page failed", "request_id", httpx.RequestID(c), "path", c.Request().URL.Path, "error", err)
		ep.Detail = "请记下请求编号并联系管理员。"
		ep.Plain = ep.Detail
	}
	return s.render(c, status, "error", s.page(c, ce.Title, ep))
}

// plainStatus says in Chinese what a status means for the person reading.
var plainStatus = map[int]string{
	http.StatusBadRequest:            "请求的内容有误，请返回上一页检查后再试。",
	http.StatusUnauthorized:          "请先登录。",
	http.StatusForbidden:             "您的账号没有办理这项业务的权限；如需办理，请联系系统管理员或相应部门。",
	http.StatusNotFound:              "要找的内容不存在，或不在您可以查看的范围内。",
	http.StatusConflict:              "这项业务当前不能办理：数据状态已经变化，请刷新页面后查看。",
	http.StatusPreconditionFailed:    "这份数据刚被别人修改过，请刷新页面后再办理。",
	http.StatusRequestEntityTooLarge: "文件或提交的内容太大。",
	http.StatusUnprocessableEntity:   "填写的内容有误，请返回修改。",
	http.StatusTooManyRequests:       "操作太频繁，请稍后再试。",
}

// webStatic serves the embedded stylesheet, script and icon. A URL with
// the file's content hash may be cached for a year.
func (s *Server) webStatic(c echo.Context) error {
	a, ok := s.web.ui.Asset(c.Param("*"))
	if !ok {
		return s.webError(c, app.Fail(calc.KindNotFound, "not_found", "文件不存在", "no such file"))
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.ETag)
	if c.QueryParam("v") == a.Short {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if c.Request().Header.Get("If-None-Match") == a.ETag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.Type, a.Body)
}

// webHome is the landing page.
func (s *Server) webHome(c echo.Context) error {
	if p, ok := signedIn(c); ok {
		if items := navFor(p); len(items) > 0 {
			return c.Redirect(http.StatusSeeOther, items[0].Href)
		}
	}
	return s.render(c, http.StatusOK, "home", s.page(c, "首页", nil))
}

type signinPage struct {
	Next  string
	Error string
}

// safeNext keeps a post-sign-in target on this site: the text is parsed
// as a URL and only a same-origin path (with its query) is kept, written
// out again from the parsed parts; anything else is "/". Refused: a scheme,
// a host or user, a path not starting with one "/" once decoded (so
// "//evil", "/%2F/evil", "/%09/evil" — which browsers read as
// "//evil" once the tab is dropped — and "/\\evil" all fail), any control
// character, backslash or invalid UTF-8 anywhere, and over 2,000 bytes.
func safeNext(n string) string {
	if n == "" || len(n) > 2000 || n[0] != '/' || !utf8.ValidString(n) {
		return "/"
	}
	bad := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError })
	}
	if bad(n) {
		return "/"
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	q, err := url.QueryUnescape(u.RawQuery)
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || bad(u.Path) || err != nil || bad(q) {
		return "/"
	}
	out := (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
		return "/"
	}
	return out
}

func (s *Server) webSigninForm(c echo.Context) error {
	pg := s.page(c, "登录", &signinPage{Next: safeNext(c.QueryParam("next"))})
	if c.QueryParam("out") == "1" {
		pg.Notice = "已退出登录。"
	}
	return s.render(c, http.StatusOK, "signin", pg)
}

// webSignin exchanges a service token for a session cookie. The cookie
// carries the token's hash (what the token table stores), signed; every
// request looks the token up again, so revoking it ends the session.
func (s *Server) webSignin(c echo.Context) error {
	next := safeNext(c.FormValue("next"))
	secret := strings.TrimSpace(c.FormValue("token"))
	fail := func(msg string) error {
		return s.render(c, http.StatusUnauthorized, "signin", s.page(c, "登录", &signinPage{Next: next, Error: msg}))
	}
	if !s.allow("signin " + c.RealIP()) {
		c.Response().Header().Set("Retry-After", "1")
		return s.render(c, http.StatusTooManyRequests, "signin", s.page(c, "登录", &signinPage{Next: next, Error: "尝试过于频繁，请稍后再试。"}))
	}
	if !strings.HasPrefix(secret, filing.TokenPrefix) || len(secret) > 200 {
		return fail("令牌格式不对：应以 " + filing.TokenPrefix + " 开头（由 ecotax token create 生成）。")
	}
	hash := filing.HashToken(secret)
	p, err := s.app.PrincipalOf(c.Request().Context(), hash)
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == app.KindUnauthorized {
		return fail("令牌无效或已吊销。")
	}
	if err != nil {
		return s.webError(c, err)
	}
	// A new nonce on every sign-in: a CSRF token seen before it is useless after.
	sess := web.Session{TokenHash: hash, Nonce: web.Nonce()}
	exp, err := s.app.StartSession(c.Request().Context(), hash, sess.Nonce, s.cfg.sessions())
	if err != nil {
		return s.webError(c, err)
	}
	sess.Expires = exp
	s.setCookie(c, web.SessionCookie, s.web.keys.Seal(sess), s.cfg.SessionLifetime)
	s.clearCookie(c, web.AnonCookie)
	if next == "/" {
		if items := navFor(p); len(items) > 0 {
			next = items[0].Href
		}
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// webSignout ends the session on the server (a copy of the cookie stops
// working) and clears the cookie.
func (s *Server) webSignout(c echo.Context) error {
	if ck, err := c.Cookie(web.SessionCookie); err == nil {
		if sess, ok := s.web.keys.Open(ck.Value, s.now()); ok {
			if err := s.app.EndSession(c.Request().Context(), sess.Nonce); err != nil {
				return s.webError(c, err)
			}
		}
	}
	s.clearCookie(c, web.SessionCookie)
	return c.Redirect(http.StatusSeeOther, "/signin?out=1")
}

// beijing is the time zone of every date people read on the pages (北京时间).
var beijing = time.FixedZone("CST", 8*3600)
