"""Personal data on request (PIPL): a customer's data exported as one document, and erased for good with
the facts of their orders kept. A domain over customer, appliance, work_order, feedback and notify; the
audit log records both."""
