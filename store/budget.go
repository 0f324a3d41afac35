package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// budgetQueries are the named queries of queries/budget.sql.
type budgetQueries struct {
	InsertBudgetDamageCase    string `query:"insert-budget-damage-case"`
	InsertBudgetDamageReceipt string `query:"insert-budget-damage-receipt"`
	GetBudgetDamageCase       string `query:"get-budget-damage-case"`
	ListBudgetDamageCases     string `query:"list-budget-damage-cases"`
	ListBudgetDamageReceipts  string `query:"list-budget-damage-receipts"`
	DeleteBudgetDamageRcpts   string `query:"delete-budget-damage-receipts"`
	DeleteBudgetDamageCase    string `query:"delete-budget-damage-case"`

	InsertBudgetEcoSettlement string `query:"insert-budget-eco-settlement"`
	InsertBudgetEcoParty      string `query:"insert-budget-eco-party"`
	GetBudgetEcoSettlement    string `query:"get-budget-eco-settlement"`
	ListBudgetEcoSettlements  string `query:"list-budget-eco-settlements"`
	ListBudgetEcoParties      string `query:"list-budget-eco-parties"`
	DeleteBudgetEcoParties    string `query:"delete-budget-eco-parties"`
	ConfirmBudgetEcoParty     string `query:"confirm-budget-eco-party"`
	DeleteBudgetEcoSettlement string `query:"delete-budget-eco-settlement"`

	InsertBudgetFeeBill  string `query:"insert-budget-fee-bill"`
	InsertBudgetFeeMonth string `query:"insert-budget-fee-month"`
	GetBudgetFeeBill     string `query:"get-budget-fee-bill"`
	ListBudgetFeeBills   string `query:"list-budget-fee-bills"`
	ListBudgetFeeMonths  string `query:"list-budget-fee-months"`
	DeleteBudgetFeeMonth string `query:"delete-budget-fee-months"`
	DeleteBudgetFeeBill  string `query:"delete-budget-fee-bill"`

	ListBudgetTaxpayers    string `query:"list-budget-taxpayers"`
	ListBudgetSources      string `query:"list-budget-sources"`
	ListBudgetDeclarations string `query:"list-budget-declarations"`
	ListBudgetFigures      string `query:"list-budget-figures"`
}

// BudgetDamageCase is a recorded damage compensation case (a budget
// input): the claim as sent with its computed total, the settlement once
// agreed, and the receipts expected or received.
type BudgetDamageCase struct {
	ID              int64           `json:"id" db:"id"`
	District        string          `json:"district" db:"district"`
	Case            string          `json:"case" db:"case_name"`
	Claim           filing.RawJSON  `json:"claim" db:"claim"`
	ClaimTotal      filing.Money    `json:"claim_total" db:"claim_total"`
	ClaimUnverified bool            `json:"claim_unverified" db:"claim_unverified"`
	SettledAmount   filing.Money    `json:"settled_amount" db:"settled_amount"`
	SettledOn       filing.Date     `json:"settled_on" db:"settled_on"`
	Receipts        []BudgetReceipt `json:"receipts" db:"-"`
	CreatedAt       time.Time       `json:"created_at" db:"created_at"`
	CreatedBy       string          `json:"created_by" db:"created_by"`
}

// BudgetReceipt is one receipt of a damage case.
type BudgetReceipt struct {
	CaseID   int64        `json:"-" db:"case_id"`
	Line     int          `json:"-" db:"line"`
	Month    string       `json:"month" db:"month"`
	Amount   filing.Money `json:"amount" db:"amount"`
	Received bool         `json:"received" db:"received"`
}

// BudgetEcoSettlement is a recorded eco-compensation settlement request
// for a year, with the region code of each party.
type BudgetEcoSettlement struct {
	ID      int64             `json:"id" db:"id"`
	Year    int               `json:"year" db:"year"`
	Scheme  string            `json:"scheme" db:"scheme"`
	Request filing.RawJSON    `json:"settlement" db:"request"`
	Gross   param.Money       `json:"gross" db:"gross"`
	Parties map[string]string `json:"parties" db:"-"`
	// Pending are the parties awaiting their region's confirmation (a
	// settlement recorded by another region's bureau); they are not in
	// their region's budget until confirmed (docs/budget.md).
	Pending   []string  `json:"pending_parties" db:"-"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	CreatedBy string    `json:"created_by" db:"created_by"`
}

type budgetParty struct {
	SettlementID int64  `db:"settlement_id"`
	Party        string `db:"party"`
	ConfirmedBy  string `db:"confirmed_by"`
	Region       string `db:"region"`
}

// BudgetFeeBill is a recorded fee bill: one schedule and payer,
// quantities by month, each month's fee as computed when recorded.
type BudgetFeeBill struct {
	ID          int64            `json:"id" db:"id"`
	District    string           `json:"district" db:"district"`
	Payer       string           `json:"payer" db:"payer"`
	Schedule    string           `json:"schedule" db:"schedule"`
	Inputs      filing.RawJSON   `json:"inputs" db:"inputs"`
	PartialStep string           `json:"partial_step" db:"partial_step"`
	Months      []BudgetFeeMonth `json:"months" db:"-"`
	CreatedAt   time.Time        `json:"created_at" db:"created_at"`
	CreatedBy   string           `json:"created_by" db:"created_by"`
}

// BudgetFeeMonth is one month of a fee bill.
type BudgetFeeMonth struct {
	BillID   int64           `json:"-" db:"bill_id"`
	Line     int             `json:"-" db:"line"`
	Month    string          `json:"month" db:"month"`
	Day      filing.Date     `json:"date" db:"day"`
	Quantity decimal.Decimal `json:"quantity" db:"quantity"`
	Amount   param.Money     `json:"amount" db:"amount"` // as computed when recorded (CNY, unrounded unless the schedule rounds)
	Sched    string          `json:"schedule" db:"schedule"`
	Verified bool            `json:"verified" db:"verified"`
}

func yearPattern(year int) string {
	if year == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%%", year)
}

// --- damage cases ---

// InsertBudgetDamageCase records a case and its receipts.
func (tx *Tx) InsertBudgetDamageCase(c *BudgetDamageCase) error {
	var claim any
	if len(c.Claim) > 0 {
		claim = string(c.Claim)
	}
	if err := tx.get(&c.ID, tx.q.InsertBudgetDamageCase, c.District, c.Case, claim, c.ClaimTotal, c.ClaimUnverified,
		c.SettledAmount, c.SettledOn, tx.now, c.CreatedBy); err != nil {
		return err
	}
	for i, r := range c.Receipts {
		if _, err := tx.exec(tx.q.InsertBudgetDamageReceipt, c.ID, i, r.Month, r.Amount, r.Received); err != nil {
			return err
		}
	}
	c.CreatedAt = tx.now
	return nil
}

// GetBudgetDamageCase finds a case with its receipts.
func (tx *Tx) GetBudgetDamageCase(id int64) (*BudgetDamageCase, error) {
	var c BudgetDamageCase
	if err := tx.get(&c, tx.q.GetBudgetDamageCase, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("damage_case_not_found", "损害赔偿案件不存在", "no damage case "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &c, tx.damageReceipts(&c)
}

func (tx *Tx) damageReceipts(c *BudgetDamageCase) error {
	c.Receipts = []BudgetReceipt{}
	return tx.sel(&c.Receipts, tx.q.ListBudgetDamageReceipts, c.ID)
}

// ListBudgetDamageCases lists the cases of districts under a region
// prefix; year > 0 keeps those with a receipt in that year.
func (tx *Tx) ListBudgetDamageCases(prefix string, year int) ([]*BudgetDamageCase, error) {
	out := []*BudgetDamageCase{}
	y := yearPattern(year)
	if err := tx.sel(&out, tx.q.ListBudgetDamageCases, prefix, y, y); err != nil {
		return nil, err
	}
	for _, c := range out {
		if err := tx.damageReceipts(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteBudgetDamageCase removes a case and its receipts.
func (tx *Tx) DeleteBudgetDamageCase(id int64) error {
	if _, err := tx.exec(tx.q.DeleteBudgetDamageRcpts, id); err != nil {
		return err
	}
	_, err := tx.exec(tx.q.DeleteBudgetDamageCase, id)
	return err
}

// --- eco-compensation settlements ---

// InsertBudgetEcoSettlement records a settlement and its parties.
func (tx *Tx) InsertBudgetEcoSettlement(s *BudgetEcoSettlement) error {
	if err := tx.get(&s.ID, tx.q.InsertBudgetEcoSettlement, s.Year, s.Scheme, string(s.Request), s.Gross, tx.now, s.CreatedBy); err != nil {
		return err
	}
	pending := map[string]bool{}
	for _, p := range s.Pending {
		pending[p] = true
	}
	for party, region := range s.Parties {
		by := s.CreatedBy
		if pending[party] {
			by = ""
		}
		if _, err := tx.exec(tx.q.InsertBudgetEcoParty, s.ID, party, region, by); err != nil {
			return err
		}
	}
	s.CreatedAt = tx.now
	return nil
}

// GetBudgetEcoSettlement finds a settlement with its parties.
func (tx *Tx) GetBudgetEcoSettlement(id int64) (*BudgetEcoSettlement, error) {
	var s BudgetEcoSettlement
	if err := tx.get(&s, tx.q.GetBudgetEcoSettlement, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("eco_settlement_not_found", "生态补偿结算不存在", "no eco-compensation settlement "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &s, tx.ecoParties(&s)
}

func (tx *Tx) ecoParties(s *BudgetEcoSettlement) error {
	var ps []budgetParty
	if err := tx.sel(&ps, tx.q.ListBudgetEcoParties, s.ID); err != nil {
		return err
	}
	s.Parties, s.Pending = map[string]string{}, []string{}
	for _, p := range ps {
		s.Parties[p.Party] = p.Region
		if p.ConfirmedBy == "" {
			s.Pending = append(s.Pending, p.Party)
		}
	}
	return nil
}

// ConfirmBudgetEcoParty confirms a pending party of a settlement for
// actor; it reports whether the party was pending.
func (tx *Tx) ConfirmBudgetEcoParty(id int64, party, actor string) (bool, error) {
	n, err := tx.exec(tx.q.ConfirmBudgetEcoParty, actor, id, party)
	return n > 0, err
}

// ListBudgetEcoSettlements lists settlements with a party under a region
// prefix; year > 0 keeps that year's.
func (tx *Tx) ListBudgetEcoSettlements(prefix string, year int) ([]*BudgetEcoSettlement, error) {
	out := []*BudgetEcoSettlement{}
	if err := tx.sel(&out, tx.q.ListBudgetEcoSettlements, year, year, prefix); err != nil {
		return nil, err
	}
	for _, s := range out {
		if err := tx.ecoParties(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteBudgetEcoSettlement removes a settlement and its parties.
func (tx *Tx) DeleteBudgetEcoSettlement(id int64) error {
	if _, err := tx.exec(tx.q.DeleteBudgetEcoParties, id); err != nil {
		return err
	}
	_, err := tx.exec(tx.q.DeleteBudgetEcoSettlement, id)
	return err
}

// --- fee bills ---

// InsertBudgetFeeBill records a bill and its months.
func (tx *Tx) InsertBudgetFeeBill(b *BudgetFeeBill) error {
	if err := tx.get(&b.ID, tx.q.InsertBudgetFeeBill, b.District, b.Payer, b.Schedule, string(b.Inputs), b.PartialStep, tx.now, b.CreatedBy); err != nil {
		return err
	}
	for i, m := range b.Months {
		if _, err := tx.exec(tx.q.InsertBudgetFeeMonth, b.ID, i, m.Month, m.Day, m.Quantity, m.Amount, m.Sched, m.Verified); err != nil {
			return err
		}
	}
	b.CreatedAt = tx.now
	return nil
}

// GetBudgetFeeBill finds a bill with its months.
func (tx *Tx) GetBudgetFeeBill(id int64) (*BudgetFeeBill, error) {
	var b BudgetFeeBill
	if err := tx.get(&b, tx.q.GetBudgetFeeBill, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("fee_bill_not_found", "收费清单不存在", "no fee bill "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &b, tx.feeMonths(&b)
}

func (tx *Tx) feeMonths(b *BudgetFeeBill) error {
	b.Months = []BudgetFeeMonth{}
	return tx.sel(&b.Months, tx.q.ListBudgetFeeMonths, b.ID)
}

// ListBudgetFeeBills lists the bills of districts under a region prefix;
// year > 0 keeps those with a month in that year.
func (tx *Tx) ListBudgetFeeBills(prefix string, year int) ([]*BudgetFeeBill, error) {
	out := []*BudgetFeeBill{}
	y := yearPattern(year)
	if err := tx.sel(&out, tx.q.ListBudgetFeeBills, prefix, y, y); err != nil {
		return nil, err
	}
	for _, b := range out {
		if err := tx.feeMonths(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteBudgetFeeBill removes a bill and its months.
func (tx *Tx) DeleteBudgetFeeBill(id int64) error {
	if _, err := tx.exec(tx.q.DeleteBudgetFeeMonth, id); err != nil {
		return err
	}
	_, err := tx.exec(tx.q.DeleteBudgetFeeBill, id)
	return err
}

// --- gathering a budget ---

// budgetFigure is a figure with the declaration it belongs to.
type budgetFigure struct {
	DeclarationID int64 `db:"declaration_id"`
	filing.Figure
}

// BudgetTaxpayers reads, for the taxpayers under a region prefix, their
// sources and the submitted and accepted declarations of the year with
// figures and stored assessments, in four queries.
func (tx *Tx) BudgetTaxpayers(prefix string, year int) ([]budget.StoredTaxpayer, error) {
	var tps []filing.Taxpayer
	if err := tx.sel(&tps, tx.q.ListBudgetTaxpayers, prefix); err != nil {
		return nil, err
	}
	var sources []*filing.Source
	if err := tx.sel(&sources, tx.q.ListBudgetSources, prefix); err != nil {
		return nil, err
	}
	var decls []filing.Declaration
	y := yearPattern(year)
	if err := tx.sel(&decls, tx.q.ListBudgetDeclarations, prefix, y); err != nil {
		return nil, err
	}
	var figs []budgetFigure
	if err := tx.sel(&figs, tx.q.ListBudgetFigures, prefix, y); err != nil {
		return nil, err
	}
	byDecl := map[int64][]filing.Figure{}
	for _, f := range figs {
		byDecl[f.DeclarationID] = append(byDecl[f.DeclarationID], f.Figure)
	}
	out := make([]budget.StoredTaxpayer, len(tps))
	index := map[string]int{}
	for i, t := range tps {
		out[i].Taxpayer = t
		index[t.CreditCode] = i
	}
	for _, s := range sources {
		if i, ok := index[s.CreditCode]; ok {
			out[i].Sources = append(out[i].Sources, s)
		}
	}
	for _, d := range decls {
		if i, ok := index[d.CreditCode]; ok {
			out[i].Declarations = append(out[i].Declarations, budget.StoredDeclaration{Declaration: d, Figures: byDecl[d.ID]})
		}
	}
	return out, nil
}
