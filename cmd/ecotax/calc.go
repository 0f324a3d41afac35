package main

func cmdCalc(e *env, args []string) int { return exitInternal }
