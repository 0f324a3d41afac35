package api_test

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The environment officer keeps the register of monitoring devices on the
// pages: a mapping with mistakes comes back with each error beside its
// input in Chinese and what was typed kept; a good one is shown to
// confirm, then listed; a second mapping of the same device over the same
// days is refused in words; a mapping is ended on a day and listed as
// ended. The enterprise reads its own devices, never registers one.
func TestWebDeviceRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		home := env.get("/app/devices?taxpayer=" + codeA)
		if home.status != 200 || !strings.Contains(home.body, "尚未登记在线监测设备") || !strings.Contains(home.body, `href="/app/devices"`) {
			t.Fatalf("devices page: %d", home.status)
		}
		plainChinese(t, "devices page", home.body)

		bad := env.post("/app/devices", url.Values{"taxpayer": {codeA}, "mn": {"MN 1;2"}, "outlet_no": {""}, "valid_from": {"2024-13-01"}, "note": {"东侧烟囱"}})
		if bad.status != 400 {
			t.Fatalf("a bad mapping: %d", bad.status)
		}
		plainChinese(t, "refused mapping", bad.body)
		for _, want := range []string{"设备唯一标识（MN）应为", "排放口编号必须填写", "有效期起请按", `value="东侧烟囱"`, `value="MN 1;2"`} {
			if !strings.Contains(bad.body, want) {
				t.Errorf("refused mapping lacks %q", want)
			}
		}
		good := url.Values{"taxpayer": {codeA}, "mn": {"MN-DA001"}, "outlet_no": {"DA001"}, "valid_from": {"2024-01-01"}, "note": {"东侧烟囱"}}
		confirm := env.post("/app/devices", good)
		if confirm.status != 200 || !strings.Contains(confirm.body, `id="confirm-mn">MN-DA001<`) {
			t.Fatalf("confirm step: %d", confirm.status)
		}
		plainChinese(t, "mapping to confirm", confirm.body)
		good.Set("confirm", "1")
		listed := env.get(location(t, env.post("/app/devices", good), 303))
		if !strings.Contains(listed.body, `id="saved"`) || !regexp.MustCompile(`<th data-label="设备（MN）" scope="row">MN-DA001</th>\s*<td data-label="排放口">DA001 锅炉废气排放口</td>\s*<td data-label="有效期">2024-01-01 至 今</td>\s*<td data-label="状态">在用</td>`).MatchString(listed.body) {
			t.Fatalf("registered device not listed:\n%s", listed.body)
		}
		plainChinese(t, "devices after registering", listed.body)
		// The same device on the same days again: refused, beside the day.
		good.Set("outlet_no", "DW001")
		again := env.post("/app/devices", good)
		if again.status != 400 || !strings.Contains(again.body, "这台设备在这段时间已对应到一个排放口") {
			t.Errorf("overlapping mapping: %d", again.status)
		}
		plainChinese(t, "overlapping mapping", again.body)

		// Ending it: a day that is not one is refused; a day ends it.
		m := regexp.MustCompile(`action="(/app/devices/\d+/end)"[\s\S]*?name="version" value="(\d+)"`).FindStringSubmatch(listed.body)
		if m == nil {
			t.Fatal("no form to end the mapping")
		}
		badEnd := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-02-30"}})
		if badEnd.status != 400 || !strings.Contains(badEnd.body, "设备 MN-DA001：") {
			t.Errorf("ending on 2024-02-30: %d", badEnd.status)
		}
		plainChinese(t, "refused end", badEnd.body)
		before := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2023-12-31"}})
		if before.status != 400 || !strings.Contains(before.body, "有效期止不能早于有效期起") {
			t.Errorf("ending before it began: %d", before.status)
		}
		ended := env.get(location(t, env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-03-31"}}), 303))
		if !strings.Contains(ended.body, `id="ended"`) || !strings.Contains(ended.body, "2024-01-01 至 2024-03-31") || !strings.Contains(ended.body, "已停用") {
			t.Errorf("ended mapping not listed as ended")
		}
		// The form of an ended mapping is gone; its stale version is refused.
		if stale := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-02-29"}}); stale.status < 400 || stale.status == 500 {
			t.Errorf("ending again at the old version: %d", stale.status)
		} else {
			plainChinese(t, "stale end", stale.body)
		}

		// Without the form's token, or from another site: refused, nothing ended.
		if p := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {"2"}, "valid_to": {"2024-01-31"}, "_csrf": {"-"}}); p.status != 403 {
			t.Errorf("ending without the form's token: %d", p.status)
		}
		if !strings.Contains(env.get("/app/devices?taxpayer="+codeA).body, "2024-01-01 至 2024-03-31") {
			t.Errorf("a refused post changed the mapping")
		}

		ent := newBrowser(t, e)
		ent.signIn(e.tokens["enterprise"])
		own := ent.get("/app/devices?taxpayer=" + codeA)
		if own.status != 200 || !strings.Contains(own.body, "MN-DA001") || strings.Contains(own.body, `id="record-device"`) || strings.Contains(own.body, `href="/app/devices"`) {
			t.Errorf("enterprise's devices: %d", own.status)
		}
		if p := ent.post("/app/devices", url.Values{"taxpayer": {codeA}, "mn": {"MN-X"}, "outlet_no": {"DA001"}, "valid_from": {"2024-01-01"}, "confirm": {"1"}}); p.status != 403 {
			t.Errorf("enterprise registering a device: %d", p.status)
		}
	})
}

// The environment officer registers and changes a device's data
// encryption key (HJ 212-2025) on the pages: typed twice, refused in words
// beside the input when it is not 16 bytes, patterned, typed differently
// or the current one again, and never shown back — neither on the form
// after a refusal nor in the list, which names keys by fingerprint only.
// After a change the old key is listed as the previous one. The tax
// officer and the enterprise cannot reach the page.
func TestWebDeviceKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2024-01-01"}, nil), 201)
		list := env.get("/app/devices?taxpayer=" + codeA)
		link := regexp.MustCompile(`href="(/app/devices/keys\?mn=MN-DA001&amp;taxpayer=` + codeA + `)"`).FindStringSubmatch(list.body)
		if link == nil {
			t.Fatalf("the devices list has no link to the device's key")
		}
		first := env.get(strings.ReplaceAll(link[1], "&amp;", "&"))
		if first.status != 200 || !strings.Contains(first.body, `id="no-key"`) || !strings.Contains(first.body, "登记密钥") {
			t.Fatalf("key page of a device without a key: %d", first.status)
		}
		plainChinese(t, "key page", first.body)
		// The address alone does not make the page say a key was set.
		if p := env.get("/app/devices/keys?mn=MN-DA001&set=0123456789ABCDEF"); strings.Contains(p.body, `id="key-set"`) {
			t.Errorf("a made-up fingerprint in the address shows as a key set")
		}

		const key1, key2 = "k3Y-9a!Qm2#Lp7Zr", "00112233445566778899aabbccddeeff"
		post := func(mn, key, again string) *page {
			return env.post("/app/devices/keys", url.Values{"taxpayer": {codeA}, "mn": {mn}, "key": {key}, "key_again": {again}})
		}
		for _, c := range []struct{ name, mn, key, again, want string }{
			{"typed differently", "MN-DA001", key1, key1 + "x", "两次填写的密钥不一致"},
			{"too short", "MN-DA001", "short-key-9", "short-key-9", "密钥应为 16 个字符"},
			{"patterned", "MN-DA001", "0000000000000000", "0000000000000000", "不能使用固定或有规律的密钥"},
			{"no key", "MN-DA001", "", "", "请填写密钥"},
			{"no device", "", key1, key1, "请填写设备唯一标识（MN）"},
			{"bad device", "MN 1;2", key1, key1, "设备唯一标识（MN）应为"},
		} {
			p := post(c.mn, c.key, c.again)
			if p.status != 400 || !strings.Contains(p.body, c.want) {
				t.Errorf("%s: %d, want 400 saying %q", c.name, p.status, c.want)
			}
			if c.key != "" && strings.Contains(p.body, c.key) {
				t.Errorf("%s: the refused page shows the typed key", c.name)
			}
			plainChinese(t, "refused key: "+c.name, p.body)
		}
		if p := env.get("/app/devices/keys?mn=MN-DA001"); !strings.Contains(p.body, `id="no-key"`) {
			t.Fatalf("a refused key was stored")
		}

		set := env.get(location(t, post("MN-DA001", key1, key1), 303))
		fp1 := strings.ToUpper(app.KeyFingerprint([]byte(key1)))
		if !strings.Contains(set.body, `id="key-set"`) || !strings.Contains(set.body, "指纹 "+fp1) ||
			!regexp.MustCompile(`当前密钥</th>\s*<td data-label="指纹">`+fp1+`</td>\s*<td data-label="设置人">生态环境部门</td>`).MatchString(set.body) {
			t.Fatalf("key set not listed:\n%s", tagRe.ReplaceAllString(set.body, " "))
		}
		plainChinese(t, "key set", set.body)

		again := post("MN-DA001", key1, key1)
		if again.status != 409 || !strings.Contains(again.body, "这已是该设备当前的密钥") {
			t.Errorf("the current key again: %d", again.status)
		}
		plainChinese(t, "current key again", again.body)

		changed := env.get(location(t, post("MN-DA001", key2, key2), 303))
		fp2 := strings.ToUpper(app.KeyFingerprint(app.ParseKey(key2)))
		if !regexp.MustCompile(`当前密钥</th>\s*<td data-label="指纹">` + fp2 + `</td>[\s\S]*上一把密钥[^<]*</th>\s*<td data-label="指纹">` + fp1 + `</td>`).MatchString(changed.body) {
			t.Errorf("after a change the list lacks the new key first and the old one second")
		}
		for _, k := range []string{key1, key2} {
			if strings.Contains(changed.body, k) || strings.Contains(set.body, k) {
				t.Errorf("a page shows a key")
			}
		}
		// Without the form's token: refused, nothing changed.
		if p := env.post("/app/devices/keys", url.Values{"mn": {"MN-DA001"}, "key": {"Zq8!mW3#xR5$tY7%"}, "key_again": {"Zq8!mW3#xR5$tY7%"}, "_csrf": {"-"}}); p.status != 403 {
			t.Errorf("a key without the form's token: %d", p.status)
		}
		var keys struct {
			Keys []app.DeviceKeyInfo `json:"keys"`
		}
		must(t, e.do("env_officer", "GET", "/v1/monitoring/devices/MN-DA001/keys", nil, nil), 200).json(t, &keys)
		if len(keys.Keys) != 2 || strings.ToUpper(keys.Keys[0].Fingerprint) != fp2 {
			t.Errorf("stored keys: %+v", keys.Keys)
		}

		for _, who := range []string{"tax_officer", "enterprise"} {
			b := newBrowser(t, e)
			b.signIn(e.tokens[who])
			if p := b.get("/app/devices/keys?mn=MN-DA001"); p.status != 403 {
				t.Errorf("%s reading the key page: %d", who, p.status)
			}
			if p := b.post("/app/devices/keys", url.Values{"mn": {"MN-DA001"}, "key": {"Zq8!mW3#xR5$tY7%"}, "key_again": {"Zq8!mW3#xR5$tY7%"}}); p.status != 403 {
				t.Errorf("%s setting a key: %d", who, p.status)
			}
			if strings.Contains(b.get("/app/devices?taxpayer="+codeA).body, "/app/devices/keys") {
				t.Errorf("%s sees the link to the keys", who)
			}
		}
	})
}

// An officer sees on the pages what a device sent: every packet newest
// first with its data time, kind of data and verdict, a refused one with
// why in words (the stored codes only in 依据详情), filtered by verdict
// and month, fifty at a time with a link to older ones. A month that is
// not one is refused in words. The enterprise reads its own device's
// packets; another enterprise does not find the device.
func TestWebDevicePackets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2024-01-01"}, nil), 201)
		frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-DA001", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 100}}}, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.Incoming
		for _, f := range frames[:55] {
			batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
		}
		// The last one sent again with its checksum broken: refused.
		bad := append([]byte(nil), frames[55]...)
		crc := bytes.LastIndex(bad, []byte("&&")) + 2
		bad[crc] ^= 0x01
		batch = append(batch, store.Incoming{Packet: hj212.Parse(bad, hj212.Options{Lenient: true}), Origin: "test"})
		if _, err := db.Ingest(context.Background(), batch); err != nil {
			t.Fatal(err)
		}

		o := newBrowser(t, e)
		o.signIn(e.tokens["env_officer"])
		if !strings.Contains(o.get("/app/devices?taxpayer="+codeA).body, `href="/app/devices/packets?mn=MN-DA001&amp;taxpayer=`+codeA+`"`) {
			t.Errorf("the device register has no link to the device's packets")
		}
		first := o.get("/app/devices/packets?mn=MN-DA001&taxpayer=" + codeA)
		if first.status != 200 {
			t.Fatalf("packets page: %d", first.status)
		}
		plainChinese(t, "packets page", first.body)
		rows := regexp.MustCompile(`<tr data-packet="\d+" data-verdict="(\w+)">`).FindAllStringSubmatch(first.body, -1)
		if len(rows) != 50 || rows[0][1] != "rejected" {
			t.Fatalf("first page: %d rows, the newest %v", len(rows), rows[0])
		}
		if !strings.Contains(first.body, "校验码不符") || !strings.Contains(first.body, "小时数据") || !strings.Contains(first.body, `<td data-label="数据时间">2024-01-03 06:00:00</td>`) {
			t.Errorf("the packets are not described in words")
		}
		older := regexp.MustCompile(`href="(/app/devices/packets\?[^"]+)" id="older"`).FindStringSubmatch(first.body)
		if older == nil {
			t.Fatal("no link to older packets")
		}
		second := o.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		if n := strings.Count(second.body, `<tr data-packet=`); n != 6 || strings.Contains(second.body, `id="older"`) {
			t.Errorf("second page: %d rows", n)
		}
		refused := o.get("/app/devices/packets?mn=MN-DA001&verdict=rejected")
		if n := strings.Count(refused.body, `<tr data-packet=`); n != 1 || !strings.Contains(refused.body, "crc_mismatch") {
			t.Errorf("refused packets: %d rows", n)
		}
		badMonth := o.get("/app/devices/packets?mn=MN-DA001&month=2024-13")
		if badMonth.status != 400 || !strings.Contains(badMonth.body, "月份请按 2024-01 的格式填写") {
			t.Errorf("a month that is not one: %d", badMonth.status)
		}
		plainChinese(t, "refused month", badMonth.body)
		none := o.get("/app/devices/packets?mn=MN-DA001&month=2023-05")
		if !strings.Contains(none.body, `id="no-packets"`) {
			t.Errorf("a month without packets")
		}

		ent := newBrowser(t, e)
		ent.signIn(e.tokens["enterprise"])
		if p := ent.get("/app/devices/packets?mn=MN-DA001"); p.status != 200 || strings.Count(p.body, `<tr data-packet=`) != 50 {
			t.Errorf("the enterprise reading its device's packets: %d", p.status)
		}
		other := newBrowser(t, e)
		other.signIn(e.tokens["enterprise_b"])
		if p := other.get("/app/devices/packets?mn=MN-DA001"); p.status != 404 || strings.Contains(p.body, "data-packet") {
			t.Errorf("another enterprise reading the packets: %d", p.status)
		} else {
			plainChinese(t, "another enterprise's packets", p.body)
		}
	})
}
