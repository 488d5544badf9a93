// The lossd executable (CLI, configuration, logging, signals) is written by the API issue.
print("lossd")
