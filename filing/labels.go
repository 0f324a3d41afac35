package filing

// The Chinese names of the vocabulary, as the national forms print them
// (环境保护税税源明细表, 纳税申报表). Every page and export uses these.

// KindLabel names the 污染物类别 of a source.
var KindLabel = map[string]string{
	KindAir: "大气污染物", KindWater: "水污染物", KindNoise: "噪声",
	KindSolidWaste: "固体废物", KindLivestock: "水污染物(禽畜养殖业)", KindSampling: "水污染物(抽样测算)",
}

// MethodLabel names the 污染物排放量计算方法.
var MethodLabel = map[string]string{
	"automatic": "自动监测", "monitoring": "监测机构监测", "self_monitoring": "自行监测",
	"factor": "排污系数", "material_balance": "物料衡算", "sampling": "抽样测算",
}

// StatusLabel names the states of a declaration.
var StatusLabel = map[Status]string{StatusDraft: "草稿", StatusSubmitted: "已申报", StatusAccepted: "已受理"}

// RoleLabel names the roles.
var RoleLabel = map[Role]string{
	RoleEnterprise: "纳税人", RoleTaxOfficer: "税务机关", RoleEnvOfficer: "生态环境部门", RoleFinance: "财政部门", RoleAdmin: "系统管理员",
}

// RevisionLabel says whether a revision is the first declaration of its
// period or a correction.
func RevisionLabel(d *Declaration) string {
	if d.ReplacesID == nil {
		return "首次申报"
	}
	return "更正申报"
}
