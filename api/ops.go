package api

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/ecotax/ecotax/app"

	"context"

	"github.com/labstack/echo/v4"
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
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		return apiError(app.KindUnavailable, "database_unavailable", "数据库不可用", "the database does not answer")
	}
	return c.JSONBlob(http.StatusOK, []byte(`{"status":"ready"}`))
}

func (s *Server) metaInfo(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, s.meta)
}
