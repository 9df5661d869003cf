"""Letters to debtors (对账函, 清缴通知书): choosing who gets one, numbering them, the batch job that
prints them (`jobs`), the printed documents (`pdf`), and tracking each letter until its receipt comes back.
"""
