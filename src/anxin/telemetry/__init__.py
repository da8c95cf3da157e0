"""Connected appliances: ingest keys, the metric catalog, readings in (HTTP batch and MQTT), storage."""
