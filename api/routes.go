package api

import (
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ecotax/ecotax/internal/httpx"
)

// routes registers every route of the service, in one place.
func (s *Server) routes(e *echo.Echo) {
	e.Use(s.recoverer, s.withRequestID, s.observe, s.timeout, httpx.Text)

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	e.GET("/openapi.yaml", s.openapi)

	// Public: the calculator and a constant document (the benchmark baseline).
	e.GET("/v1/meta", s.metaInfo)
	e.POST("/v1/tax/assessments", s.assess, s.rateLimited)

	// Stored data: a bearer token is required.
	v1 := e.Group("/v1", s.auth)
	v1.POST("/taxpayers", s.createTaxpayer)
	v1.GET("/taxpayers", s.listTaxpayers)
	v1.GET("/taxpayers/:code", s.getTaxpayer)
	v1.PATCH("/taxpayers/:code", s.updateTaxpayer)

	v1.POST("/taxpayers/:code/sources", s.createSource)
	v1.GET("/taxpayers/:code/sources", s.listSources)
	v1.GET("/taxpayers/:code/sources/export", s.exportSources)
	v1.GET("/taxpayers/:code/sources/:id", s.getSource)
	v1.PUT("/taxpayers/:code/sources/:id", s.changeSource)
	v1.POST("/taxpayers/:code/sources/:id/end", s.endSource)
	v1.GET("/taxpayers/:code/sources/:id/history", s.sourceHistory)

	v1.POST("/taxpayers/:code/declarations", s.createDeclaration)
	v1.GET("/taxpayers/:code/declarations", s.listDeclarations)
	v1.GET("/declarations/:id", s.getDeclaration)
	v1.PUT("/declarations/:id/figures", s.putFigures)
	v1.POST("/declarations/:id/import", s.importFigures)
	v1.GET("/declarations/:id/template", s.figuresTemplate)
	v1.POST("/declarations/:id/precheck", s.precheck)
	v1.POST("/declarations/:id/submit", s.submit)
	v1.POST("/declarations/:id/corrections", s.correct)
	v1.POST("/declarations/:id/accept", s.accept)
	v1.POST("/declarations/:id/payment", s.pay)
	v1.GET("/declarations/:id/export", s.exportDeclaration)

	v1.GET("/audit", s.listAudit)

	// Online monitoring and reconciliation (api/monitoring.go, reconcile.go;
	// docs/monitoring.md): device mappings, stored HJ 212 packets, monthly
	// figures per outlet, production output, reconciliation runs, standing
	// results and risk flags.
	v1.POST("/taxpayers/:code/devices", s.createDevice)
	v1.GET("/taxpayers/:code/devices", s.listDevices)
	v1.GET("/taxpayers/:code/devices/:id", s.getDevice)
	v1.PUT("/taxpayers/:code/devices/:id", s.changeDevice)
	v1.GET("/taxpayers/:code/monitoring", s.monthly)
	v1.GET("/taxpayers/:code/outputs", s.listOutputs)
	v1.PUT("/taxpayers/:code/outputs/:month", s.putOutput)
	v1.GET("/taxpayers/:code/reconciliation", s.taxpayerReconciliation)
	v1.GET("/monitoring/packets", s.listPackets)
	v1.GET("/monitoring/splits", s.listSplits)
	v1.PUT("/monitoring/devices/:mn/key", s.setDeviceKey)
	v1.GET("/monitoring/devices/:mn/keys", s.listDeviceKeys)
	v1.POST("/reconciliations", s.createRun)
	v1.GET("/reconciliations", s.listRuns)
	v1.GET("/reconciliations/:id", s.getRun)
	v1.POST("/reconciliation-jobs", s.startRunJob)
	v1.GET("/reconciliation-jobs/:id", s.getRunJob)
	v1.GET("/reconciliation/results", s.listResults)
	v1.GET("/reconciliation/flags", s.listFlags)

	// Compensation, fees and the finance budget (api/fees.go, damage.go,
	// ecocomp.go, budget.go). Schedules, parameter sets and the fee
	// calculator are public; claims and settlements are government work;
	// the budget is the finance bureau's.
	e.GET("/v1/fees/schedules", s.listFeeSchedules)
	e.POST("/v1/fees/calculate", s.calculateFee, s.rateLimited)
	e.GET("/v1/damage/parameter-sets", s.listDamageParameterSets)
	e.GET("/v1/ecocomp/schemes", s.listEcoSchemes)
	v1.POST("/damage/calculate", s.calculateDamage)
	v1.POST("/ecocomp/calculate", s.calculateEcoSettlement)
	v1.POST("/budget/damage-cases", s.createDamageCase)
	v1.GET("/budget/damage-cases", s.listDamageCases)
	v1.GET("/budget/damage-cases/:id", s.getDamageCase)
	v1.DELETE("/budget/damage-cases/:id", s.deleteDamageCase)
	v1.POST("/budget/eco-settlements", s.createEcoSettlement)
	v1.GET("/budget/eco-settlements", s.listEcoSettlements)
	v1.GET("/budget/eco-settlements/:id", s.getEcoSettlement)
	v1.DELETE("/budget/eco-settlements/:id", s.deleteEcoSettlement)
	v1.POST("/budget/eco-settlements/:id/confirm", s.confirmEcoSettlement)
	v1.POST("/budget/fee-bills", s.createFeeBill)
	v1.GET("/budget/fee-bills", s.listFeeBills)
	v1.GET("/budget/fee-bills/:id", s.getFeeBill)
	v1.DELETE("/budget/fee-bills/:id", s.deleteFeeBill)
	v1.POST("/budget/reports", s.budgetReport)

	// 复核, penalty records and the tax–environment exchange (issue 4;
	// api/reviews.go, penalties.go, exchange.go; docs/exchange.md).
	v1.POST("/reviews", s.openReview)
	v1.GET("/reviews", s.listReviews)
	v1.GET("/reviews/:id", s.getReview)
	v1.POST("/reviews/:id/answer", s.answerReview)
	v1.POST("/reviews/:id/apply", s.applyReview)
	v1.POST("/taxpayers/:code/penalties", s.createPenalty)
	v1.GET("/taxpayers/:code/penalties", s.listPenalties)
	v1.GET("/penalties/:id", s.getPenalty)
	v1.POST("/taxpayers/:code/permits", s.createPermit)
	v1.GET("/taxpayers/:code/permits", s.listPermits)
	v1.POST("/taxpayers/:code/samples", s.createSample)
	v1.GET("/taxpayers/:code/samples", s.listSamples)
	v1.POST("/exchange/exports", s.exportExchange)
	v1.POST("/exchange/imports", s.importExchange)
	v1.GET("/exchange/batches", s.listExchangeBatches)
	v1.GET("/exchange/datasets", s.exchangeDatasets)
	v1.GET("/exchange/worklist", s.exchangeWorklist)
	v1.GET("/exchange/batches/:batch", s.getExchangeBatch)
	v1.GET("/exchange/batches/:batch/archive", s.exchangeArchive)
}
