package api

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the embedded API description.
func OpenAPI() []byte { return openapiYAML }

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openapiYAML)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, []byte(`{"status":"ok"}`))
}

// readyz answers 200 only when the database answers.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.ReadyTimeout)
	defer cancel()
	// Asked beside the wait, so that the answer comes within the timeout
	// even when the pool is exhausted or the database accepts and never
	// answers (the driver does not always honour ctx).
	done := make(chan error, 1)
	go func() { done <- s.app.Ready(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = app.Fail(app.KindUnavailable, "database_unavailable", "数据库不可用", "the database does not answer within "+s.cfg.ReadyTimeout.String())
	}
	if err != nil {
		s.log.Warn("not ready", "error", err)
		return err
	}
	return c.JSONBlob(http.StatusOK, []byte(`{"status":"ready"}`))
}

func (s *Server) metaInfo(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.meta)
}
