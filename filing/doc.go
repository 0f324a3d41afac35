// Package filing is the vocabulary of declaring the environmental
// protection tax (环境保护税申报): taxpayers (纳税人) and their unified
// social credit codes, tax sources (税源) with validity periods, quarterly
// or per-occasion declarations with corrections (更正申报), the filing
// deadline and the late-payment surcharge (滞纳金), and who may do what.
//
// It is pure like the calc packages: standard library, decimal and calc
// only; no HTTP, no SQL, no clock. The store and api packages are its
// adapters.
package filing
