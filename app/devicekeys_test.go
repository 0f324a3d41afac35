package app_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// sealed builds an HJ 212-2025 hour packet whose data area is encrypted
// with key (SM4-ECB, sent as hex digits; the CRC is the plaintext's).
func sealed(t testing.TB, mn string, key []byte, avg string) []byte {
	t.Helper()
	content := "DataTime=20240301100000;a21026-Avg=" + avg + ",a21026-Cou=1.25,a21026-Flag=N"
	head := "QN=20240301100000001;ST=31;CN=2061;PW=123456;MN=" + mn + ";Flag=9;CP=&&"
	plain := head + content + "&&"
	ct, err := hj212.EncryptData(key, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	full := len(content) / 16 * 16
	data := head + strings.ToUpper(hex.EncodeToString(ct[:full])) + content[full:] + "&&"
	return []byte(fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(plain))))
}

// TestDeviceKeyRotation: keys set through the application layer decrypt
// packets read with the store's key store; after a rotation the previous
// key still decrypts and the one before it no longer does; the key is
// never given back (answer, listing, audit); only the environment officer
// and the operator set keys.
func TestDeviceKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		svc, err := app.New(app.Deps{Store: db, Tables: tables})
		if err != nil {
			t.Fatal(err)
		}
		env := filing.Principal{Role: filing.RoleEnvOfficer, TokenID: 7}
		k1, k2, k3 := []byte("k1-abcdefghijkl"+"1"), []byte("k2-abcdefghijkl"+"2"), []byte("k3-abcdefghijkl"+"3")
		keys := svc.DeviceKeys(nil, 0)
		read := func(raw []byte) *hj212.Packet { return hj212.Parse(raw, hj212.Options{Keys: keys}) }

		if p := read(sealed(t, "MN-E", k1, "10")); p.Verdict != hj212.Rejected {
			t.Fatalf("decrypted without a key: %s", p.Verdict)
		}
		if _, err := svc.SetDeviceKey(ctx, filing.Principal{Role: filing.RoleTaxOfficer}, "MN-E", k1); err == nil {
			t.Fatal("a tax officer set a device key")
		}
		for _, bad := range [][]byte{hj212.StandardTestKey, []byte("short"), []byte(strings.Repeat("a", 16))} {
			if _, err := svc.SetDeviceKey(ctx, env, "MN-E", bad); err == nil || strings.Contains(err.Error(), string(bad)) {
				t.Fatalf("key %q: %v", bad, err)
			}
		}
		info, err := svc.SetDeviceKey(ctx, env, "MN-E", k1)
		if err != nil || info.Seq != 1 || info.Fingerprint != app.KeyFingerprint(k1) {
			t.Fatalf("%+v %v", info, err)
		}
		if p := read(sealed(t, "MN-E", k1, "10")); p.Verdict != hj212.Valid || p.KeyUsed != 0 {
			t.Fatalf("with k1: %s %s key %d", p.Verdict, p.Reason, p.KeyUsed)
		}
		if _, err := svc.SetDeviceKey(ctx, env, "MN-E", k1); err == nil {
			t.Fatal("the same key again is not a rotation")
		}
		if _, err := svc.SetDeviceKey(ctx, env, "MN-E", k2); err != nil {
			t.Fatal(err)
		}
		if p := read(sealed(t, "MN-E", k2, "11")); p.Verdict != hj212.Valid || p.KeyUsed != 0 {
			t.Fatalf("with k2: %s key %d", p.Verdict, p.KeyUsed)
		}
		if p := read(sealed(t, "MN-E", k1, "12")); p.Verdict != hj212.Valid || p.KeyUsed != 1 {
			t.Fatalf("with k1 after the rotation: %s key %d", p.Verdict, p.KeyUsed)
		}
		if _, err := svc.SetDeviceKey(ctx, admin, "MN-E", k3); err != nil {
			t.Fatal(err)
		}
		if p := read(sealed(t, "MN-E", k1, "13")); p.Verdict != hj212.Rejected {
			t.Fatalf("k1 still decrypts after two rotations: %s", p.Verdict)
		}
		if p := read(sealed(t, "MN-E", k2, "14")); p.Verdict != hj212.Valid || p.KeyUsed != 1 {
			t.Fatalf("with k2 after the second rotation: %s key %d", p.Verdict, p.KeyUsed)
		}
		// Another device's key does not open this one's packets; a key
		// file's keys come after the store's.
		var file hj212.Keyring
		if err := file.Set("MN-F", k1); err != nil {
			t.Fatal(err)
		}
		both := svc.DeviceKeys(&file, 0)
		if p := hj212.Parse(sealed(t, "MN-F", k1, "15"), hj212.Options{Keys: both}); p.Verdict != hj212.Valid {
			t.Fatalf("the key file: %s %s", p.Verdict, p.Reason)
		}
		if p := read(sealed(t, "MN-F", k1, "15")); p.Verdict != hj212.Rejected {
			t.Fatalf("MN-F decrypted with MN-E's keys: %s", p.Verdict)
		}
		// Never the key: not in the listing, not in the audit log.
		list, err := svc.DeviceKeyInfos(ctx, env, "MN-E")
		if err != nil || len(list) != 2 || list[0].Seq != 3 || list[1].Seq != 2 {
			t.Fatalf("%+v %v", list, err)
		}
		var entries []filing.AuditEntry
		if err := db.View(ctx, func(tx *store.Tx) error {
			var err error
			entries, err = tx.ListAudit(store.AuditFilter{Limit: 100})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Entity != "device_key" {
				continue
			}
			n++
			for _, k := range [][]byte{k1, k2, k3} {
				all := fmt.Sprintf("%+v %s %s", e, e.Before, e.After)
				if strings.Contains(all, string(k)) || strings.Contains(strings.ToLower(all), hex.EncodeToString(k)) {
					t.Fatalf("a key in the audit log: %s", all)
				}
			}
		}
		if n != 3 {
			t.Fatalf("%d audit entries for 3 key changes", n)
		}
	})
}
