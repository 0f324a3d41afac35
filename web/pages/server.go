// Package pages is the door of the browser pages: the Chinese,
// server-rendered pages of every role (the pre-check, taxpayers, sources,
// declarations, reconciliation and 复核, the budget), on the same Echo
// server as the JSON API. A page handler reads the form or the query,
// calls one operation of the application layer (app/) as the signed-in
// principal and renders a template of package web; it holds no business
// rule, so a page shows a token exactly what the API would give it.
package pages

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/web"
)

// Config holds the limits of the pages; zero values take the defaults.
type Config struct {
	BodyLimit   int64      // form posts, bytes (default 1 MiB)
	ImportLimit int64      // uploaded workbooks, bytes (default 10 MiB)
	RateLimit   rate.Limit // the public pre-check and sign-in, per client per second (default 10)
	RateBurst   int        // (default 20)
	SessionKey  []byte     // signs the session cookies; random per process when empty
	// Sessions (kept on the server, app/sessions.go): how long one lasts
	// from sign-in (default web.SessionTTL, 8 h) and idle (default 30 min).
	SessionLifetime, SessionIdle time.Duration
	// JobWait is how long the page that starts a reconciliation waits for
	// it before showing its progress instead (default 3 s; negative: not
	// at all).
	JobWait time.Duration
}

func (c *Config) defaults() {
	if c.JobWait == 0 {
		c.JobWait = 3 * time.Second
	}
	if c.BodyLimit <= 0 {
		c.BodyLimit = 1 << 20
	}
	if c.ImportLimit <= 0 {
		c.ImportLimit = 10 << 20
	}
	if c.RateLimit == 0 {
		c.RateLimit = 10
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 20
	}
	if c.SessionLifetime <= 0 {
		c.SessionLifetime = web.SessionTTL
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
}

func (c *Config) sessions() app.SessionPolicy {
	return app.SessionPolicy{Lifetime: c.SessionLifetime, Idle: c.SessionIdle}
}

// Deps are what the pages need.
type Deps struct {
	App *app.Service
	Log *slog.Logger // slog.Default() when nil
	// Limiter is the per-client rate limit the pages share with the API's
	// calculator (one bucket per client address); nil: one of their own.
	Limiter middleware.RateLimiterStore
	Config  Config
}

// Server serves the pages.
type Server struct {
	app     *app.Service
	log     *slog.Logger
	cfg     Config
	limiter middleware.RateLimiterStore
	web     *webUI
}

// New parses the pages and builds their choices from the law tables.
func New(d Deps) (*Server, error) {
	d.Config.defaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Limiter == nil {
		d.Limiter = middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: d.Config.RateLimit, Burst: d.Config.RateBurst, ExpiresIn: 10 * time.Minute})
	}
	ui, err := newWebUI(d.App.Tables().Engine, d.Config.SessionKey)
	if err != nil {
		return nil, err
	}
	return &Server{app: d.App, log: d.Log, cfg: d.Config, limiter: d.Limiter, web: ui}, nil
}

// allow takes a token of key's bucket.
func (s *Server) allow(key string) bool {
	ok, _ := s.limiter.Allow(key) // the memory store never fails
	return ok
}

func (s *Server) now() time.Time { return s.app.Now() }

// Register adds every page to e, in one place.
func (s *Server) Register(e *echo.Echo) {
	e.GET("/static/*", s.webStatic)
	w := e.Group("", s.webSession)
	w.GET("/", s.webHome)
	w.GET("/signin", s.webSigninForm)
	w.POST("/signin", s.webSignin)
	w.POST("/signout", s.webSignout)
	w.GET("/precheck", s.webPrecheckForm)
	w.POST("/precheck", s.webPrecheck)
	w.POST("/precheck/download", s.webPrecheckDownload)
	w.POST("/precheck/upload", s.webPrecheckUpload)
	w.GET("/precheck/template.xlsx", s.webPrecheckTemplate)
	a := w.Group("/app", s.webAuth)
	a.GET("/taxpayers", s.webTaxpayers)
	a.POST("/taxpayers", s.webRegisterTaxpayer)
	a.GET("/declarations", s.webDeclarations)
	a.GET("/taxpayers/:code", s.webTaxpayer)
	a.POST("/taxpayers/:code", s.webUpdateTaxpayer)
	a.GET("/taxpayers/:code/sources.xlsx", s.webSourcesXLSX)
	a.GET("/taxpayers/:code/sources/new", s.webNewSource)
	a.POST("/taxpayers/:code/sources", s.webSaveSource)
	a.GET("/taxpayers/:code/sources/:id", s.webSource)
	a.GET("/taxpayers/:code/sources/:id/edit", s.webEditSource)
	a.POST("/taxpayers/:code/sources/:id", s.webSaveSource)
	a.POST("/taxpayers/:code/sources/:id/end", s.webEndSource)
	a.POST("/taxpayers/:code/declarations", s.webStartDeclaration)
	a.GET("/taxpayers/:code/outputs", s.webOutputs)
	a.GET("/taxpayers/:code/audit", s.webAudit)
	a.GET("/taxpayers/:code/monitoring", s.webMonitoring)
	a.POST("/taxpayers/:code/outputs", s.webRecordOutput)
	a.GET("/declarations/:id", s.webDeclaration)
	a.POST("/declarations/:id/figures", s.webSaveFigures)
	a.POST("/declarations/:id/import", s.webImportFigures)
	a.GET("/declarations/:id/template.xlsx", s.webFiguresTemplate)
	a.GET("/declarations/:id/confirm", s.webConfirm)
	a.POST("/declarations/:id/submit", s.webSubmit)
	a.POST("/declarations/:id/correct", s.webCorrect)
	a.POST("/declarations/:id/accept", s.webAccept)
	a.POST("/declarations/:id/payment", s.webPay)
	a.GET("/declarations/:id/export.xlsx", s.webDeclarationXLSX)
	a.GET("/reconciliation", s.webReconciliation)
	a.POST("/reconciliation/run", s.webRunReconciliation)
	a.GET("/reconciliation/jobs/:id", s.webReconciliationJob)
	a.GET("/reconciliation/:code", s.webTaxpayerReconciliation)
	a.GET("/reconciliation/:code/item", s.webReconItem)
	a.GET("/reviews", s.webReviews)
	a.POST("/reviews", s.webOpenReview)
	a.GET("/reviews/:id", s.webReview)
	a.POST("/reviews/:id/answer", s.webAnswerReview)
	a.POST("/reviews/:id/apply", s.webApplyReview)
	a.GET("/exchange/worklist", s.webWorklist)
	a.GET("/exchange", s.webExchange)
	a.POST("/exchange/export", s.webExportBatch)
	a.POST("/exchange/import", s.webImportBatch)
	a.GET("/exchange/batches/:batch/archive", s.webBatchArchive)
	a.GET("/permits", s.webPermits)
	a.POST("/permits", s.webRecordPermit)
	a.GET("/samples", s.webSamples)
	a.GET("/devices", s.webDevices)
	a.GET("/penalties", s.webPenalties)
	a.POST("/penalties", s.webRecordPenalty)
	a.POST("/devices", s.webRegisterDevice)
	a.POST("/devices/:id/end", s.webEndDevice)
	a.GET("/devices/keys", s.webDeviceKeys)
	a.GET("/devices/packets", s.webPackets)
	a.POST("/devices/keys", s.webSetDeviceKey)
	a.POST("/samples", s.webRecordSample)
	a.GET("/budget", s.webBudget)
	a.GET("/budget/damage-cases", s.webDamageCases)
	a.POST("/budget/damage-cases", s.webRecordDamageCase)
	a.GET("/budget/eco-settlements", s.webEcoSettlements)
	a.POST("/budget/eco-settlements", s.webRecordEcoSettlement)
	a.GET("/budget/fee-bills", s.webFeeBills)
	a.POST("/budget/fee-bills", s.webRecordFeeBill)
	a.POST("/budget/eco-settlements/:id/confirm", s.webConfirmEcoSettlement)
	for _, k := range []string{"damage-cases", "eco-settlements", "fee-bills"} {
		a.GET("/budget/"+k+"/:id/delete", s.webDeleteBudgetInput) // asks
		a.POST("/budget/"+k+"/:id/delete", s.webDeleteBudgetInput)
	}
	a.GET("/budget.xlsx", s.webBudgetXLSX)
}
