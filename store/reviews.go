package store

// reviewQueries are the named queries of reviews.sql, penalties.sql and
// exchange.sql (issue 4: 复核, 处罚, 信息共享).
type reviewQueries struct{}
