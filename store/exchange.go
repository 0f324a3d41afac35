package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/ecotax/ecotax/filing"
)

// XBatch is an exchange batch made here (origin export) or received
// (origin import). Its files are kept byte for byte.
type XBatch struct {
	ID             int64     `json:"id" db:"id"`
	BatchID        string    `json:"batch_id" db:"batch_id"`
	Direction      string    `json:"direction" db:"direction"`
	Origin         string    `json:"origin" db:"origin"`
	Format         string    `json:"format" db:"format"`
	Sender         string    `json:"sender" db:"sender"`
	Period         string    `json:"period" db:"period"`
	Region         string    `json:"region" db:"region"`
	ManifestSHA256 string    `json:"manifest_sha256" db:"manifest_sha256"`
	Records        int       `json:"records" db:"records"`
	CreatedBy      string    `json:"created_by" db:"created_by"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
}

// XRecord is one record of a batch as stored: the record as one JSON
// Lines object, and what its import did.
type XRecord struct {
	Dataset    string `json:"dataset" db:"dataset"`
	Line       int    `json:"line" db:"line"`
	RecordKey  string `json:"key" db:"record_key"`
	CreditCode string `json:"credit_code" db:"credit_code"`
	Region     string `json:"region" db:"region"`
	Payload    string `json:"-" db:"payload"`
	Outcome    string `json:"outcome" db:"outcome"`
}

// InsertBatch stores a batch, its files and its records. The unique
// batch_id makes a second store of the same batch a conflict.
func (tx *Tx) InsertBatch(b *XBatch, files map[string][]byte, recs []XRecord) error {
	b.CreatedAt = tx.now
	b.Records = len(recs)
	err := tx.get(&b.ID, tx.q.InsertXBatch, b.BatchID, b.Direction, b.Origin, b.Format, b.Sender, b.Period, b.Region,
		b.ManifestSHA256, b.Records, b.CreatedBy, tx.now)
	if err != nil {
		return err
	}
	for name, data := range files {
		if data == nil {
			data = []byte{} // an empty data file is a file, not NULL
		}
		if _, err := tx.exec(tx.q.InsertXFile, b.ID, name, data); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if _, err := tx.exec(tx.q.InsertXRecord, b.ID, r.Dataset, r.Line, r.RecordKey, r.CreditCode, r.Region, r.Payload, r.Outcome); err != nil {
			return err
		}
	}
	return nil
}

// GetBatch finds a batch by its batch_id, or nil.
func (tx *Tx) GetBatch(batchID string) (*XBatch, error) {
	var b XBatch
	if err := tx.get(&b, tx.q.GetXBatch, batchID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &b, nil
}

// ListBatches lists batches, newest first; direction "" is any, a region
// prefix keeps the batches whose region lies inside it.
func (tx *Tx) ListBatches(direction, regionPrefix string, limit int) ([]XBatch, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	out := []XBatch{}
	err := tx.sel(&out, tx.q.ListXBatches, direction, direction, regionPrefix, limit)
	return out, err
}

// BatchFiles returns a batch's files by name.
func (tx *Tx) BatchFiles(pk int64) (map[string][]byte, error) {
	var rows []struct {
		Name    string `db:"name"`
		Content []byte `db:"content"`
	}
	if err := tx.sel(&rows, tx.q.ListXFiles, pk); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Content
	}
	return out, nil
}

// BatchRecords lists a batch's records by dataset and line.
func (tx *Tx) BatchRecords(pk int64) ([]XRecord, error) {
	out := []XRecord{}
	err := tx.sel(&out, tx.q.ListXRecords, pk)
	return out, err
}

// XImported is a record of an imported batch with its batch.
type XImported struct {
	BatchID   string `db:"batch_id"`
	Direction string `db:"direction"`
	XRecord
}

// ImportedRecords lists the records of imported batches, newest batch
// first; direction "" is any, a region prefix keeps the batches whose
// region lies inside it.
func (tx *Tx) ImportedRecords(direction, regionPrefix string) ([]XImported, error) {
	out := []XImported{}
	err := tx.sel(&out, tx.q.ListXImported, direction, direction, regionPrefix)
	return out, err
}

// XDeclaration is a filed revision with its taxpayer's name and region,
// for the exchange.
type XDeclaration struct {
	filing.Declaration
	TaxpayerName   string `db:"taxpayer_name"`
	TaxpayerRegion string `db:"taxpayer_region"`
}

// ExchangeDeclarations lists every submitted or accepted revision of a
// period in a region (prefix), with its assessment.
func (tx *Tx) ExchangeDeclarations(period, regionPrefix string) ([]XDeclaration, error) {
	out := []XDeclaration{}
	err := tx.sel(&out, tx.q.XDeclarations, period, regionPrefix)
	return out, err
}
