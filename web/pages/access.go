package pages

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
)

// keyPrincipal is where webSession puts the signed-in principal.
const keyPrincipal = "page_principal"

// signedIn is the principal of a page, or false when nobody is signed in.
func signedIn(c echo.Context) (filing.Principal, bool) {
	p, ok := c.Get(keyPrincipal).(filing.Principal)
	return p, ok
}

// who is the signed-in principal (the zero principal, who may do
// nothing, when nobody is).
func who(c echo.Context) filing.Principal {
	p, _ := signedIn(c)
	return p
}

// allowed checks early that the principal's role may do act at all, so a
// page can refuse before reading a form; the operation checks again.
func allowed(c echo.Context, act filing.Action) (filing.Principal, error) {
	p := who(c)
	return p, app.Allowed(p, act)
}

// ctx is the request's context with its id, for the audit log.
func ctx(c echo.Context) context.Context { return httpx.Ctx(c) }

func pathID(c echo.Context, name string) (int64, error) { return httpx.PathID(c, name) }
