//go:build race

package handlers

// raceDetector reports whether the tests run with -race, which makes the
// million-value tests take most of a minute without checking anything
// about concurrency.
const raceDetector = true
