package app

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
)

// SM4 keys of HJ 212-2025 devices (§6.4: the data area is encrypted with
// the sending device's key, keys rotate). The environment officer or the
// operator sets a device's key (SetDeviceKey); the key it replaces stays as
// the previous key, so that packets sent around the change still decrypt.
// No operation gives a key back: the answer and the audit log carry its
// fingerprint only. The listener and the import read keys through
// DeviceKeys, a hj212.KeyStore over the store.

// DeviceKeyInfo describes a device's key without the key.
type DeviceKeyInfo struct {
	MN          string    `json:"mn"`
	Seq         int       `json:"seq"`
	Fingerprint string    `json:"fingerprint"` // first 16 hex digits of SHA-256 over the key
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
}

// ParseKey reads a key as the doors receive it: 32 hex digits are the 16
// bytes they spell, anything else is taken as its bytes (16 characters).
// SetDeviceKey checks the length.
func ParseKey(s string) []byte {
	if len(s) == 32 {
		if b, err := hex.DecodeString(s); err == nil {
			return b
		}
	}
	return []byte(s)
}

// KeyFingerprint names a key without giving it away: enough to tell two
// keys apart in an audit log, not to recover either.
func KeyFingerprint(key []byte) string {
	h := sha256.Sum256(append([]byte("ecotax hj212 sm4 key\x00"), key...))
	return hex.EncodeToString(h[:8])
}

// SetDeviceKey makes key (16 bytes) the current SM4 key of the device mn;
// the key it replaces becomes the previous one and any older key is
// deleted. The example key of HJ 212-2025 Annex A.2 (sixteen '0') is
// refused: the standard forbids fixed or patterned keys in service.
func (s *Service) SetDeviceKey(ctx context.Context, p filing.Principal, mn string, key []byte) (*DeviceKeyInfo, error) {
	if err := allowed(p, filing.ActDeviceKeyWrite); err != nil {
		return nil, err
	}
	var errs []calc.FieldError
	if mn == "" || len(mn) > 64 || !printable(mn) {
		errs = append(errs, calc.FieldError{Path: "mn", Code: "invalid_value", Message: "an MN of 1 to 64 printable ASCII characters"})
	}
	switch {
	case len(key) != 16:
		// Never the key itself in a message: only its length.
		errs = append(errs, calc.FieldError{Path: "key", Code: "invalid_value", Message: "an SM4 key has 16 bytes (16 characters or 32 hex digits)"})
	case bytes.Equal(key, hj212.StandardTestKey) || patterned(key):
		errs = append(errs, calc.FieldError{Path: "key", Code: "invalid_value",
			Message: "a fixed or patterned key (one byte repeated, such as the standard's example key) is not allowed in service (HJ 212-2025 6.4.3)"})
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	var info *DeviceKeyInfo
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.DeviceKeys(mn)
		if err != nil {
			return err
		}
		var before *DeviceKeyInfo
		if len(old) > 0 {
			if old[0].KeyHex == hex.EncodeToString(key) {
				return Fail(calc.KindConflict, "same_key", "密钥未变更", "this is already the device's current key; a rotation needs a new key",
					calc.FieldError{Path: "key", Code: "invalid_value", Message: "the current key again"})
			}
			before = infoOf(old[0])
		}
		k, err := tx.RotateDeviceKey(store.DeviceKey{MN: mn, KeyHex: hex.EncodeToString(key), Fingerprint: KeyFingerprint(key), SetBy: p.Actor()})
		if err != nil {
			return err
		}
		info = infoOf(k)
		return audit(ctx, tx, p, filing.ActDeviceKeyWrite, "device_key", mn, "", before, info)
	})
	if err != nil {
		return nil, failed(err, "app: setting the key of device "+mn)
	}
	s.keyGen.Add(1) // key stores of this process read again
	return info, nil
}

func infoOf(k store.DeviceKey) *DeviceKeyInfo {
	return &DeviceKeyInfo{MN: k.MN, Seq: k.Seq, Fingerprint: k.Fingerprint, SetBy: k.SetBy, SetAt: k.SetAt}
}

// patterned: one byte repeated.
func patterned(k []byte) bool {
	for _, b := range k[1:] {
		if b != k[0] {
			return false
		}
	}
	return true
}

// DeviceKeyInfos tells which keys a device has (current first), without
// the keys.
func (s *Service) DeviceKeyInfos(ctx context.Context, p filing.Principal, mn string) ([]DeviceKeyInfo, error) {
	if err := allowed(p, filing.ActDeviceKeyWrite); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]DeviceKeyInfo, error) {
		ks, err := tx.DeviceKeys(mn)
		if err != nil {
			return nil, err
		}
		out := make([]DeviceKeyInfo, len(ks))
		for i, k := range ks {
			out[i] = *infoOf(k)
		}
		return out, nil
	})
}

// DeviceKeys is a hj212.KeyStore over the stored device keys, for the
// listener and the import: a device's keys (current first) and then those
// of also (a key file; nil for none). Keys are cached per device for ttl
// (a key set in another process is seen within ttl; one set through this
// service at once). A database that does not answer leaves the cached keys
// in use; a device never read gets only also's keys then.
func (s *Service) DeviceKeys(also hj212.KeyStore, ttl time.Duration) hj212.KeyStore {
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	return &keyStore{s: s, also: also, ttl: ttl, cache: map[string]keyEntry{}}
}

type keyStore struct {
	s     *Service
	also  hj212.KeyStore
	ttl   time.Duration
	mu    sync.Mutex
	cache map[string]keyEntry
}

type keyEntry struct {
	blocks []cipher.Block
	at     time.Time
	gen    int64
}

// maxCachedDevices bounds the cache: a province has thousands of devices,
// and junk MNs must not grow it without end.
const maxCachedDevices = 100000

func (k *keyStore) Ciphers(mn string) []cipher.Block {
	own := k.own(mn)
	if k.also == nil {
		return own
	}
	more := k.also.Ciphers(mn)
	if len(own) == 0 {
		return more
	}
	return append(append(make([]cipher.Block, 0, len(own)+len(more)), own...), more...)
}

func (k *keyStore) own(mn string) []cipher.Block {
	now := time.Now()
	gen := k.s.keyGen.Load()
	k.mu.Lock()
	e, ok := k.cache[mn]
	k.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < k.ttl {
		return e.blocks
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var rows []store.DeviceKey
	err := k.s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.DeviceKeys(mn)
		return err
	})
	if err != nil {
		return e.blocks // the last known keys, or none
	}
	var ring hj212.Keyring
	var keys [][]byte
	for _, r := range rows {
		if b, err := hex.DecodeString(r.KeyHex); err == nil && len(b) == 16 {
			keys = append(keys, b)
		}
	}
	var blocks []cipher.Block
	if len(keys) > 0 && ring.Set(mn, keys[0], keys[1:]...) == nil {
		blocks = ring.Ciphers(mn)
	}
	k.mu.Lock()
	if len(k.cache) >= maxCachedDevices {
		clear(k.cache)
	}
	k.cache[mn] = keyEntry{blocks: blocks, at: now, gen: gen}
	k.mu.Unlock()
	return blocks
}
