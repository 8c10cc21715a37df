-- GET / (the hello-world ceiling).
dofile(os.getenv("SPANLINE_WRK_DIR") .. "/report.lua")
