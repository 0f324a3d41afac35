package store

import "time"

// deviceKeyQueries are the named queries of queries/devicekeys.sql.
type deviceKeyQueries struct {
	NextDeviceKeySeq string `query:"next-device-key-seq"`
	InsertDeviceKey  string `query:"insert-device-key"`
	PruneDeviceKeys  string `query:"prune-device-keys"`
	DeviceKeys       string `query:"device-keys"`
	PgLockDeviceKey  string `query:"pg-lock-device-key"`
}

// DeviceKey is one stored SM4 key of a device. KeyHex is the secret: it
// is read by the key store that decrypts packets and by nothing that
// answers a person.
type DeviceKey struct {
	MN          string    `db:"mn"`
	Seq         int       `db:"seq"`
	KeyHex      string    `db:"key_hex"`
	Fingerprint string    `db:"fingerprint"`
	SetBy       string    `db:"set_by"`
	SetAt       time.Time `db:"set_at"`
}

// RotateDeviceKey makes k the current key of its MN (the next seq), keeps
// the key it replaces as the previous one and deletes any older key. It
// returns the stored row (Seq and SetAt filled).
func (tx *Tx) RotateDeviceKey(k DeviceKey) (DeviceKey, error) {
	if tx.postgres() {
		if _, err := tx.exec(tx.q.PgLockDeviceKey, k.MN); err != nil {
			return k, err
		}
	}
	if err := tx.get(&k.Seq, tx.q.NextDeviceKeySeq, k.MN); err != nil {
		return k, err
	}
	k.SetAt = tx.now
	if _, err := tx.exec(tx.q.InsertDeviceKey, k.MN, k.Seq, k.KeyHex, k.Fingerprint, k.SetBy, k.SetAt); err != nil {
		return k, err
	}
	_, err := tx.exec(tx.q.PruneDeviceKeys, k.MN, k.Seq-1)
	return k, err
}

// DeviceKeys lists the keys of an MN, current first (at most two).
func (tx *Tx) DeviceKeys(mn string) ([]DeviceKey, error) {
	out := []DeviceKey{}
	err := tx.sel(&out, tx.q.DeviceKeys, mn)
	return out, err
}
