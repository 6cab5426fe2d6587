Bxj
B‹inp