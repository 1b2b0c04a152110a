// Package hotescape builds cache keys on the hot path of a cache lookup.
package hotescape

import "strconv"

// AppendKey appends the cache key "user:<id>:<field>" to dst and returns
// the extended slice. It runs on every cache lookup.
func AppendKey(dst []byte, id int, field string) []byte {
	dst = append(dst, "user:"...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	dst = append(dst, ':')
	return append(dst, field...)
}
