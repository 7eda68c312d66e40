print("watchpost")
