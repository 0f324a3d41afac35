package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// cmdToken manages API tokens: create (the secret is printed once and
// stored only as its SHA-256), list and revoke.
func cmdToken(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: ecotax token create --role ROLE [--taxpayer CREDITCODE] [--region CODE] [--label TEXT] | list | revoke ID")
		return exitInput
	}
	switch args[0] {
	case "create":
		return tokenCreate(e, args[1:])
	case "list":
		return tokenList(e)
	case "revoke":
		return tokenRevoke(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "ecotax token: unknown subcommand %q\n", args[0])
	return exitInput
}

func tokenCreate(e *env, args []string) int {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	role := fs.String("role", "", "enterprise, tax_officer, env_officer, finance or admin")
	taxpayer := fs.String("taxpayer", "", "credit code the enterprise token is bound to")
	region := fs.String("region", "", "GB/T 2260 code an officer token is limited to")
	label := fs.String("label", "", "who or what the token is for")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitInput
	}
	t := &filing.Token{Role: filing.Role(*role), CreditCode: *taxpayer, Region: *region, Label: *label}
	if msg := t.Check(); msg != "" {
		fmt.Fprintln(e.stderr, "ecotax token create:", msg)
		return exitInput
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		fmt.Fprintln(e.stderr, "ecotax token create:", err)
		return exitInternal
	}
	secret := filing.TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	db, err := openStore(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax token create:", err)
		return exitInternal
	}
	defer db.Close()
	if err := db.InTx(e.ctx, func(tx *store.Tx) error { return tx.InsertToken(t, filing.HashToken(secret)) }); err != nil {
		fmt.Fprintln(e.stderr, "ecotax token create:", err)
		return exitInternal
	}
	fmt.Fprintf(e.stderr, "token %d (%s) created; it is shown once, store it now\n", t.ID, t.Role)
	fmt.Fprintln(e.stdout, secret)
	return exitOK
}

func tokenList(e *env) int {
	db, err := openStore(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax token list:", err)
		return exitInternal
	}
	defer db.Close()
	var list []filing.Token
	if err := db.InTx(e.ctx, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListTokens()
		return err
	}); err != nil {
		fmt.Fprintln(e.stderr, "ecotax token list:", err)
		return exitInternal
	}
	enc := json.NewEncoder(e.stdout)
	for _, t := range list {
		enc.Encode(t)
	}
	return exitOK
}

func tokenRevoke(e *env, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, "usage: ecotax token revoke ID")
		return exitInput
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax token revoke: ID is a number")
		return exitInput
	}
	db, err := openStore(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax token revoke:", err)
		return exitInternal
	}
	defer db.Close()
	if err := db.InTx(e.ctx, func(tx *store.Tx) error { return tx.RevokeToken(id) }); err != nil {
		fmt.Fprintln(e.stderr, "ecotax token revoke:", err)
		return exitInput
	}
	fmt.Fprintf(e.stderr, "token %d revoked\n", id)
	return exitOK
}
