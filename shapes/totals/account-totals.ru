# Debit and credit totals and line count of each account of one month, written into the month's own graph
# just before it is promoted (so lines and totals always travel together). Year-to-date, trailing and P&L
# queries add these up instead of re-reading every journal line of every month.
PREFIX tax: <https://w3id.org/kr-tax/ontology#>
INSERT {
  GRAPH ?ledgerGraph {
    ?total a tax:AccountTotal ; tax:accountCode ?code ; tax:debitTotal ?debitTotal ; tax:creditTotal ?creditTotal ;
      tax:lineCount ?lines .
  }
}
WHERE {
  {
    SELECT ?code (SUM(?debit) AS ?debitTotal) (SUM(?credit) AS ?creditTotal) (COUNT(?line) AS ?lines) WHERE {
      GRAPH ?ledgerGraph { ?line a tax:JournalLine ; tax:accountCode ?code ; tax:debit ?debit ; tax:credit ?credit . }
    }
    GROUP BY ?code
  }
  # Named after the ledger, not the graph: the totals written into the staging graph keep their IRIs when promoted.
  GRAPH ?ledgerGraph { ?ledger a tax:Ledger }
  BIND(IRI(CONCAT(STR(?ledger), "/total/", ENCODE_FOR_URI(?code))) AS ?total)
}
