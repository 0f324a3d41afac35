package pages

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
)

// A device's data encryption key (数据加密密钥) on pages. HJ 212-2025
// devices encrypt the data area of their packets with an SM4 key (§6.4);
// the environment bureau keeps each device's key here so that the
// listener can read what it sends. The environment officer sets the key
// when a device is installed and again whenever it is changed on the
// device; the key replaced stays as the previous key, so data sent around
// the change still decrypt. No page shows a key once it is set, only its
// fingerprint (指纹), so the form asks for it twice, and a refused form
// never gives the typed key back. app.SetDeviceKey does the work.

// deviceKeyPage is one device's keys and the form to set a new one.
type deviceKeyPage struct {
	registerPage        // Code: the taxpayer whose register led here (for the way back)
	MN           string // the device
	Keys         []keyRow
	Set          string          // fingerprint of the key just set
	Basis        []web.Explained // the refusal's codes, for 依据详情
}

// keyRow is one stored key, described without the key.
type keyRow struct {
	Current     bool
	Fingerprint string // upper case, as reference numbers are shown
	SetBy       string // the role in words
	Actor       string // who exactly, for 依据详情
	SetAt       string
}

func (s *Server) webDeviceKeys(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceKeyWrite)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &deviceKeyPage{registerPage: registerPage{Code: strings.TrimSpace(c.QueryParam("taxpayer")), By: map[string][]string{}},
		MN: strings.TrimSpace(c.QueryParam("mn")), Set: c.QueryParam("set")}
	return s.renderDeviceKeys(c, p, http.StatusOK, pg)
}

func (s *Server) renderDeviceKeys(c echo.Context, p filing.Principal, status int, pg *deviceKeyPage) error {
	if pg.MN != "" && len(pg.By["mn"]) == 0 {
		list, err := s.app.DeviceKeyInfos(ctx(c), p, pg.MN)
		if err != nil {
			return s.webError(c, err)
		}
		for i, k := range list {
			pg.Keys = append(pg.Keys, keyRow{Current: i == 0, Fingerprint: strings.ToUpper(k.Fingerprint), SetBy: filing.ActorLabel(k.SetBy), Actor: k.SetBy,
				SetAt: k.SetAt.In(beijing).Format("2006-01-02 15:04")})
		}
	}
	// The notice of a key just set only for the key that is current: the
	// address alone must not make the page say a key was set.
	if pg.Set != "" && (len(pg.Keys) == 0 || pg.Keys[0].Fingerprint != pg.Set) {
		pg.Set = ""
	}
	return s.render(c, status, "devicekeys", s.page(c, "设备数据加密密钥", pg))
}

// keyText says in words why a key or MN was refused.
func keyText(e calc.FieldError) string {
	switch {
	case e.Path == "mn":
		return registerText(e)
	case e.Code == "same_key" || strings.Contains(e.Message, "current key"):
		return "这已是该设备当前的密钥。更换密钥请填写设备上新配置的密钥。"
	case strings.Contains(e.Message, "16 bytes"):
		return "密钥应为 16 个字符，或 32 位十六进制数字（SM4 密钥为 16 字节）。"
	case strings.Contains(e.Message, "patterned"):
		return "不能使用固定或有规律的密钥（如同一字符重复、标准中的示例密钥），请填写设备上实际配置的密钥（HJ 212-2025 6.4.3）。"
	}
	return "密钥不能使用，请核对后重新填写。"
}

// webSetDeviceKey sets or rotates a device's key.
func (s *Server) webSetDeviceKey(c echo.Context) error {
	p, err := allowed(c, filing.ActDeviceKeyWrite)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	pg := &deviceKeyPage{registerPage: registerPage{Code: strings.TrimSpace(vals.Get("taxpayer")), By: map[string][]string{}},
		MN: strings.TrimSpace(vals.Get("mn"))}
	key, again := vals.Get("key"), vals.Get("key_again")
	if pg.MN == "" {
		pg.By["mn"] = []string{"请填写设备唯一标识（MN）。"}
	}
	switch {
	case key == "":
		pg.By["key"] = []string{"请填写密钥。"}
	case again != key:
		pg.By["key_again"] = []string{"两次填写的密钥不一致，请重新填写。"}
	}
	if len(pg.By) > 0 {
		return s.renderDeviceKeys(c, p, httpx.Status(calc.KindInvalid), pg)
	}
	info, err := s.app.SetDeviceKey(ctx(c), p, pg.MN, app.ParseKey(key))
	if err != nil {
		var ce *calc.Error
		if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
			return s.webError(c, err)
		}
		for _, e := range ce.Errors {
			if e.Path != "mn" {
				e.Path = "key"
			}
			if ce.Code == "same_key" {
				e.Code = "same_key"
			}
			pg.By[e.Path] = append(pg.By[e.Path], keyText(e))
			pg.Basis = append(pg.Basis, web.Explained{Path: e.Path, Code: e.Code, Detail: e.Message})
		}
		if len(ce.Errors) == 0 {
			pg.Top = append(pg.Top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
		}
		return s.renderDeviceKeys(c, p, httpx.Status(ce.Kind), pg)
	}
	q := url.Values{"mn": {pg.MN}, "set": {strings.ToUpper(info.Fingerprint)}}
	if pg.Code != "" {
		q.Set("taxpayer", pg.Code)
	}
	return c.Redirect(http.StatusSeeOther, "/app/devices/keys?"+q.Encode())
}
